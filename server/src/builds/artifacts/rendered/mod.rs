//! The build page's result as the server renders it: the evidence pack and
//! the stored archive's file tree, `app`'s views turned to HTML here and
//! handed to the page as they are (`get_build_result`), so neither they nor
//! the manifest's reader are in the browser's WASM.

mod evidence;
mod file_tree;

use app::model::artifacts::{ArtifactInfo, ArtifactManifest, BuildResultPage, StoredResult};
use uuid::Uuid;

/// The result of a build whose archive is as `artifact` says, with the
/// stored archive's manifest once there is one (its files cut to those
/// listed; `is_file_list_cut` says there were more).
pub fn result_page(
    build_id: Uuid,
    artifact: ArtifactInfo,
    manifest: Option<ArtifactManifest>,
    is_file_list_cut: bool,
) -> BuildResultPage {
    let stored = manifest.map(|mut manifest| {
        let files = std::mem::take(&mut manifest.files);
        StoredResult {
            archive: manifest.archive.clone(),
            files_html: file_tree::file_tree_html(build_id, &files, is_file_list_cut),
            evidence_html: evidence::evidence_html(manifest),
        }
    });
    BuildResultPage { artifact, stored }
}
