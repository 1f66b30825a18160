//! What a model and the build harness agree on, apart from either: the
//! interface every model implements ([`llm`]) and the tools, files and
//! session conventions of a build ([`harness`]). The server's providers and
//! harness, and the offline build agent (a crate of its own), all build on
//! it; it depends on neither.

pub mod harness;
pub mod llm;
