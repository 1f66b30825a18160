//! The build page's result as the server renders it: the evidence pack and
//! the stored archive's file tree, `app`'s views turned to HTML here and
//! handed to the page as they are (`get_build_result`), so neither they nor
//! the manifest's reader are in the browser's WASM.

mod evidence;
mod file_tree;

use app::model::artifacts::{
    ArtifactInfo, ArtifactManifest, BuildResultPage, StoredResult, MAX_LISTED_FILES,
};
use uuid::Uuid;

/// The result of a build whose archive is as `artifact` says, with the
/// stored archive's manifest once there is one. The file tree shows at most
/// [`MAX_LISTED_FILES`] of the files and says how many more there are.
pub fn result_page(
    build_id: Uuid,
    artifact: ArtifactInfo,
    manifest: Option<ArtifactManifest>,
) -> BuildResultPage {
    let stored = manifest.map(|mut manifest| {
        let mut files = std::mem::take(&mut manifest.files);
        // Some files may have been archived without being listed.
        let file_count = usize::try_from(manifest.archive.file_count).unwrap_or(0).max(files.len());
        files.truncate(MAX_LISTED_FILES);
        StoredResult {
            archive: manifest.archive.clone(),
            files_html: file_tree::file_tree_html(build_id, &files, file_count),
            evidence_html: evidence::evidence_html(manifest),
        }
    });
    BuildResultPage { artifact, stored }
}
