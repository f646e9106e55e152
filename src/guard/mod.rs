//! The guard: supervision of the filesystem changes a program really makes (issue 12). Built
//! piece by piece; so far how a supervised call is described ([`call`]), the pattern language
//! that decides which calls a rule or a remembered choice covers ([`pattern`]), where those
//! choices are kept ([`choices`]), and the order in which a call is decided ([`decide`]).

pub mod call;
pub mod choices;
pub mod command;
pub mod decide;
pub mod decode;
pub mod filter;
pub mod pattern;
pub mod places;
pub mod question;
pub mod supervisor;
pub mod tree;
