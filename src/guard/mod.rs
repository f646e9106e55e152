//! The guard: supervision of the filesystem changes a program really makes (issue 12). Built
//! piece by piece; so far its pattern language ([`pattern`]), which decides which calls a rule
//! or a remembered choice covers.

pub mod pattern;
