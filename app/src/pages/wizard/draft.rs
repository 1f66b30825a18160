//! The wizard's answers and the AI refinement made from them.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::spec_outline::SpecOutline;

const REFINEMENT_DROPPED: &str = "Your answers changed, so the AI refinement was dropped and the preview shows the spec made from your answers. Refine again to include the change.";
pub const REFINEMENT_OUTDATED: &str = "Your answers changed while the AI was refining, so its result was not used. Refine again to include your latest answers.";

/// Refining with AI: the text the refinement was made from, and what the AI
/// made of it.
pub type RefineAction = Action<String, (String, Result<String, AppError>)>;

/// The answers, and the AI refinement made from them. Every change to the answers goes through `edit`, so a refinement never
/// outlives the answers it was made from.
#[derive(Clone, Copy)]
pub struct Draft {
    pub outline: RwSignal<SpecOutline>,
    pub refinement: RwSignal<Option<String>>,
    /// Why the preview changed without being asked to.
    pub notice: RwSignal<Option<&'static str>>,
}

impl Draft {
    pub fn new() -> Self {
        Self {
            outline: RwSignal::new(SpecOutline::default()),
            refinement: RwSignal::new(None),
            notice: RwSignal::new(None),
        }
    }

    pub fn edit(self, change: impl FnOnce(&mut SpecOutline)) {
        self.outline.update(change);
        if self.refinement.with_untracked(Option::is_some) {
            self.refinement.set(None);
            self.notice.set(Some(REFINEMENT_DROPPED));
        }
    }

    /// Back to a blank wizard.
    pub fn clear(self) {
        self.outline.set(SpecOutline::default());
        self.refinement.set(None);
        self.notice.set(None);
    }
}
