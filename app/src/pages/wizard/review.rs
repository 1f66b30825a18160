//! The last step: what is still missing, the name to save under, and the
//! two ways on: refining the text with AI, and saving it as a spec.

use leptos::prelude::*;

use super::draft::{Draft, RefineAction};
use super::step::INTRO_CLASS;
use crate::api::specs::CreateSpec;
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::field::{control_class, ControlStyle, Field, HINT_CLASS};
use crate::components::form::FormError;
use crate::model::spec_outline::SpecOutline;
use crate::model::specs::MAX_SPEC_NAME_CHARS;

/// What is still missing, the name to save under, and the two ways on:
/// refining the text with AI, and saving it as a spec.
#[component]
pub fn ReviewStep(
    draft: Draft,
    generated: Memo<String>,
    shown: Memo<String>,
    spec_name: RwSignal<Option<String>>,
    refine: RefineAction,
    create: ServerAction<CreateSpec>,
) -> impl IntoView {
    let name = move || {
        spec_name.get().unwrap_or_else(|| draft.outline.with(|outline| outline.name.trim().to_owned()))
    };
    let is_ready = Memo::new(move |_| draft.outline.with(SpecOutline::is_ready));
    let is_refining = refine.pending();
    let can_save = move || is_ready.get() && !name().trim().is_empty() && !create.pending().get();
    let save_hint = move || {
        if !is_ready.get() {
            "Add the missing answers above to save the spec."
        } else if name().trim().is_empty() {
            "Give the spec a name to save it."
        } else {
            "Saves the text in the preview as a new spec you can edit and build from."
        }
    };
    let refine_error = Signal::derive(move || {
        refine.value().with(|value| value.as_ref().and_then(|(_, result)| result.as_ref().err().cloned()))
    });
    let save_error = Signal::derive(move || create.value().get().and_then(Result::err));

    view! {
        <p class=INTRO_CLASS>"Check the preview beside this form. Refine it with AI if you like, then save it as a spec."</p>
        {move || {
            let missing = draft.outline.with(SpecOutline::missing);
            if missing.is_empty() {
                view! {
                    <p
                        data-testid="missing-answers"
                        class="rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
                    >
                        "Everything the spec needs is there."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <div
                        data-testid="missing-answers"
                        class="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
                    >
                        <p class="font-medium">"Still missing:"</p>
                        <ul class="mt-1 list-disc pl-5">
                            {missing.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}
                        </ul>
                    </div>
                }
                    .into_any()
            }
        }}
        <Field id="wizard-spec-name" label="Spec name">
            <input
                id="wizard-spec-name"
                type="text"
                maxlength=MAX_SPEC_NAME_CHARS.to_string()
                class=control_class(ControlStyle::Prose)
                prop:value=name
                on:input=move |event| spec_name.set(Some(event_target_value(&event)))
            />
        </Field>
        <div class="flex flex-wrap gap-3">
            <Button
                size=ButtonSize::Large
                disabled=Signal::derive(move || is_refining.get())
                on_click=move |_| {
                    refine.dispatch(generated.get_untracked());
                }
            >
                {move || if is_refining.get() { "Refining…" } else { "Refine with AI" }}
            </Button>
            <Button
                tone=ButtonTone::Primary
                size=ButtonSize::Large
                attr:aria-describedby="wizard-save-hint"
                disabled=Signal::derive(move || !can_save())
                on_click=move |_| {
                    create.dispatch(CreateSpec {
                        name: name().trim().to_owned(),
                        content: shown.get_untracked(),
                        project_id: None,
                    });
                }
            >
                {move || if create.pending().get() { "Saving…" } else { "Save as spec" }}
            </Button>
        </div>
        <p id="wizard-save-hint" class=HINT_CLASS>
            {save_hint}
        </p>
        <FormError error=refine_error />
        <FormError error=save_error />
    }
    .into_any()
}
