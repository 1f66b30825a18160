//! Helpers for server actions shared by pages.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::AppError;

/// Counts the successful completions of `action`. A resource that tracks the
/// count reloads after a success only: after a failure the page keeps what is
/// on screen (an edited text, a typed name) next to the error.
pub fn count_successes<S>(action: ServerAction<S>) -> ReadSignal<u32>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let (count, set_count) = signal(0_u32);
    Effect::new(move |_| {
        if action.value().with(|value| matches!(value, Some(Ok(_)))) {
            set_count.update(|count| *count += 1);
        }
    });
    count
}

/// What a page shows under its actions: the error of the action that answered
/// last, and nothing once the last answer was a success. (Listing the actions'
/// errors in a fixed order kept an earlier failure on screen after later
/// answers.)
#[derive(Clone, Copy)]
pub struct LastActionError(RwSignal<Option<AppError>>);

impl LastActionError {
    pub fn new() -> Self {
        Self(RwSignal::new(None))
    }

    /// Shows `action`'s answers from now on.
    pub fn follow<S>(self, action: ServerAction<S>) -> Self
    where
        S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Send + Sync + 'static,
    {
        // A form sent without JavaScript comes back to a page whose action
        // holds the form's error from the start (on the server too, where
        // effects do not run). An answer given before this page part was
        // made (its action outlives it) is not news.
        if action.version().get_untracked() == 0 {
            if let Some(error) = action.value().with_untracked(|answer| error_of(answer.as_ref()?)) {
                self.0.set(Some(error));
            }
        }
        Effect::new(move |has_run: Option<()>| {
            let answer = action.value().with(|answer| answer.as_ref().map(error_of));
            if let (Some(()), Some(error)) = (has_run, answer) {
                self.0.set(error);
            }
        });
        self
    }

    pub fn signal(self) -> Signal<Option<AppError>> {
        self.0.into()
    }
}

impl Default for LastActionError {
    fn default() -> Self {
        Self::new()
    }
}

fn error_of<T>(answer: &Result<T, AppError>) -> Option<AppError> {
    answer.as_ref().err().cloned()
}
