//! Cloud and cluster tools: the verbs that destroy infrastructure (terraform, pulumi, the cloud
//! CLIs, kubectl, helm …).

use crate::policy::argv::{self, NONE, Spec, flag, value};
use crate::policy::category::CLOUD_DESTROY;
use crate::policy::shell::Word;
use crate::policy::walk::Judge;

const AWS: Spec = Spec {
    options: &[
        flag(NONE, "recursive"),
        value(NONE, "profile"),
        value(NONE, "region"),
    ],
    permute: true,
};
const GSUTIL: Spec = Spec {
    options: &[
        flag('r', ""),
        flag('R', ""),
        flag('a', ""),
        flag('f', ""),
        flag('m', ""),
    ],
    permute: true,
};
const KUBECTL: Spec = Spec {
    options: &[
        flag(NONE, "all"),
        flag('A', "all-namespaces"),
        value('n', "namespace"),
        value('l', "selector"),
        value('f', "filename"),
        value(NONE, "context"),
    ],
    permute: true,
};

impl Judge<'_> {
    pub(super) fn cloud(&mut self, name: &str, args: &[Word], text: &str) {
        let has = |w: &str| args.iter().any(|a| a.text == w);
        let any_prefix = |prefixes: &[&str]| {
            args.iter()
                .any(|a| prefixes.iter().any(|p| a.text.starts_with(p)))
        };
        let destroys = match name {
            // Go's flag package: `-destroy` and `--destroy` are one option.
            "terraform" | "tofu" | "terragrunt" => {
                has("destroy") || (has("apply") && (has("-destroy") || has("--destroy")))
            }
            "pulumi" => has("destroy") || (has("stack") && has("rm")),
            "serverless" | "sls" => has("remove"),
            "aws" => {
                any_prefix(&["delete-", "terminate-", "remove-", "deregister-"])
                    || has("rb")
                    || (has("s3") && has("rm") && argv::parse(&AWS, args).has("recursive"))
            }
            "gcloud" | "az" | "doctl" | "linode-cli" | "hcloud" | "oci" => {
                has("delete") || has("destroy")
            }
            "gsutil" => {
                let parsed = argv::parse(&GSUTIL, args);
                has("rb") || (has("rm") && ["r", "R", "a"].iter().any(|o| parsed.has(o)))
            }
            "kubectl" | "oc" => {
                let parsed = argv::parse(&KUBECTL, args);
                has("delete")
                    && (parsed.has("all")
                        || parsed.has("all-namespaces")
                        || any_prefix(&[
                            "namespace",
                            "ns",
                            "node",
                            "pv",
                            "persistentvolume",
                            "crd",
                        ]))
            }
            "helm" => has("uninstall") || has("delete"),
            "heroku" => any_prefix(&["apps:destroy", "pg:reset"]),
            "fly" | "flyctl" | "cdk" | "cdktf" => has("destroy"),
            "vercel" => has("remove") || has("rm"),
            _ => false,
        };
        if destroys {
            self.found(CLOUD_DESTROY, text.to_owned());
        }
    }
}
