//! What a model and the build harness agree on, apart from either: the
//! interface every model implements ([`llm`]), the tools, files and
//! session conventions of a build ([`harness`]), and the format of the
//! feature list a build agent writes ([`feature_list`]). The server's providers and
//! harness, and the offline build agent (a crate of its own), all build on
//! it; it depends on neither.

pub mod feature_list;
pub mod harness;
pub mod llm;
