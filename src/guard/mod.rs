//! The guard: supervision of the filesystem changes a program really makes (issue 12). Built
//! piece by piece; so far how a supervised call is described ([`call`]), the pattern language
//! that decides which calls a rule or a remembered choice covers ([`pattern`]), and where those
//! choices are kept ([`choices`]).

pub mod call;
pub mod choices;
pub mod pattern;
