//! A list's search box: a GET form, so the search lives in the address
//! (`?q=`) and works without JavaScript; with it, the router navigates.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::Form;

use crate::components::button::{Button, ButtonSize};
use crate::components::field::{control_look, ControlStyle};

/// leptos_router adds the button that submitted the form to the query even
/// without a name, making `?q=todo&=`; the plain HTML form adds nothing.
fn drop_unnamed_submitter() -> Arc<dyn Fn(&web_sys::FormData)> {
    Arc::new(|data: &web_sys::FormData| data.delete(""))
}

/// `keep` are the other query parameters the search must not drop (a
/// status filter); the page always starts again from the first.
#[component]
pub fn SearchBox(
    id: &'static str,
    /// The box's accessible name, e.g. "Search specs by name".
    label: &'static str,
    placeholder: &'static str,
    #[prop(into)] value: Signal<String>,
    #[prop(optional, into)] keep: Signal<Vec<(&'static str, String)>>,
) -> impl IntoView {
    view! {
        <Form method="GET" action="" on_form_data=drop_unnamed_submitter() attr:class="mb-6 flex max-w-md gap-2" attr:role="search">
            <label for=id class="sr-only">{label}</label>
            <input
                id=id
                type="search"
                name="q"
                prop:value=move || value.get()
                value=move || value.get()
                placeholder=placeholder
                class=format!("min-w-0 flex-1 {}", control_look(ControlStyle::Prose))
            />
            {move || {
                keep.get()
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                    .collect_view()
            }}
            <Button size=ButtonSize::Large is_submit=true>
                "Search"
            </Button>
        </Form>
    }
}
