//! The form that pauses, resumes or cancels the build, with or without
//! JavaScript.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::builds::ControlBuild;
use crate::components::form::ServerForm;
use crate::model::builds::BuildControl;

/// A form whose submit button (`children`) sends `control` for the build.
#[component]
pub(super) fn ControlForm(
    action: ServerAction<ControlBuild>,
    id: Uuid,
    control: BuildControl,
    children: Children,
) -> impl IntoView {
    view! {
        <ServerForm action arguments=move |_| ControlBuild { id, control }>
            <input type="hidden" name="id" value=id.to_string() />
            <input type="hidden" name="control" value=control.as_str() />
            {children()}
        </ServerForm>
    }
}
