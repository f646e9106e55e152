//! Publishing a package or an image: npm, cargo, `PyPI`, gem, `NuGet`, Maven, Docker registries. A
//! dry run publishes nothing.

use crate::policy::argv::{self, NONE, Spec, flag};
use crate::policy::category::PACKAGE_PUBLISH;
use crate::policy::shell::Word;
use crate::policy::walk::Judge;

const DRY_RUN: Spec = Spec {
    options: &[flag(NONE, "dry-run")],
    permute: true,
};
const CARGO_DRY_RUN: Spec = Spec {
    options: &[flag('n', "dry-run")],
    permute: true,
};

impl Judge<'_> {
    pub(super) fn publish(&mut self, name: &str, args: &[Word], text: &str) {
        let sub = |i: usize| args.get(i).map_or("", |w| w.text.as_str());
        let spec = if name == "cargo" {
            &CARGO_DRY_RUN
        } else {
            &DRY_RUN
        };
        let dry = argv::parse(spec, args).has("dry-run");
        let publishes = match name {
            "npm" | "pnpm" | "yarn" | "bun" => {
                sub(0) == "publish" || (sub(0) == "npm" && sub(1) == "publish")
            }
            "cargo" | "poetry" | "flit" | "hatch" | "uv" | "gradle" | "gradlew" => {
                args.iter().any(|a| a.text == "publish")
            }
            "twine" => sub(0) == "upload",
            "gem" | "nuget" => sub(0) == "push",
            "dotnet" => sub(0) == "nuget" && sub(1) == "push",
            "mvn" | "mvnw" => args.iter().any(|a| a.text == "deploy"),
            "docker" | "podman" => sub(0) == "push" || (sub(0) == "image" && sub(1) == "push"),
            _ => false,
        };
        if publishes && !dry {
            self.found(PACKAGE_PUBLISH, text.to_owned());
        }
    }
}
