//! The spec as the answers make it, beside the steps.

use leptos::prelude::*;

use super::draft::Draft;
use crate::components::button::{Button, ButtonSize};
use crate::components::card::Card;
use crate::format::group_thousands;

/// The spec as it stands: made from the answers, or refined by AI until the
/// answers change or the refinement is discarded.
#[component]
pub fn SpecPreview(draft: Draft, shown: Memo<String>) -> impl IntoView {
    let is_refined = move || draft.refinement.with(Option::is_some);
    let counts = move || {
        shown.with(|text| {
            format!(
                "{} characters · {} lines",
                group_thousands(text.chars().count()),
                group_thousands(text.lines().count()),
            )
        })
    };
    view! {
        <Card labelled_by="spec-preview-heading" class="min-w-0 lg:sticky lg:top-6 lg:self-start">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <div class="flex items-center gap-2">
                    <h2 id="spec-preview-heading" class="text-base font-semibold">
                        "Spec preview"
                    </h2>
                    <Show when=is_refined>
                        <span
                            data-testid="refined-badge"
                            class="rounded-full bg-violet-100 px-2 py-0.5 text-xs font-medium text-violet-800 dark:bg-violet-950 dark:text-violet-200"
                        >
                            "Refined by AI"
                        </span>
                    </Show>
                </div>
                <p data-testid="preview-counts" class="text-xs text-slate-500 dark:text-slate-400">
                    {counts}
                </p>
            </div>
            <div aria-live="polite">
                {move || {
                    draft
                        .notice
                        .get()
                        .map(|notice| {
                            view! {
                                <p
                                    data-testid="preview-notice"
                                    class="mt-3 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
                                >
                                    {notice}
                                </p>
                            }
                        })
                }}
            </div>
            <Show when=is_refined>
                <div class="mt-3">
                    <Button size=ButtonSize::Large on_click=move |_| draft.refinement.set(None)>
                        "Discard refinement"
                    </Button>
                </div>
            </Show>
            <pre
                data-testid="spec-preview"
                tabindex="0"
                role="region"
                aria-label="Spec text"
                class="mt-3 max-h-[70vh] overflow-auto rounded-lg bg-slate-50 p-4 font-mono text-xs leading-5 break-words whitespace-pre-wrap focus-visible:outline-2 focus-visible:outline-indigo-600 dark:bg-slate-950"
            >
                {move || shown.get()}
            </pre>
        </Card>
    }
    .into_any()
}
