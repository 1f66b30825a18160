//! A page's data, fetched by a server function: a [`Resource`] whose value
//! crosses from the server's render to the browser's hydration as JSON
//! read with the same `serde_json` entry point the server functions' own
//! answers use (`from_slice`).
//!
//! Why not `Resource::new`: its codec reads with `from_str`, and serde
//! compiles a type's deserializer once per reader, so every type a page
//! loads was in the WASM twice (once for hydration, once for the answers of
//! later fetches). Streamed events are read with `from_slice` for the same
//! reason.
//!
//! A page makes every resource it loads in its own body, before any
//! `Suspense` or `Transition`, and hands them to the components that show
//! them. The browser reads the server's resources by number, in the order
//! its components make them, and on the server a Suspense builds its
//! children again once their data is ready (Leptos 0.8's `dry_resolve`): a
//! resource made in there is fetched once more and numbered by chance, and
//! hydration then reads another resource's answer and fails. (What only the
//! browser makes, after hydration, such as a row's list opened by a click,
//! is free of this.) `server/tests/web/hydration.rs` renders the pages many
//! times to keep them so.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;

/// JSON written as text and read as bytes: the one reader server functions
/// use too.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Self::Error> {
        read_json(text)
    }
}

/// Reads JSON text into `T` the way server functions read their answers,
/// so the type's deserializer is compiled once.
pub fn read_json<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_slice(text.as_bytes())
}

/// Data a page loads: a resource carried to hydration by [`Json`].
pub type Loaded<T> = Resource<T, Json>;

/// Loads a page's data: what `Resource::new` does, with the one JSON reader.
/// `source` is tracked; each new value of it runs `fetcher` again.
#[track_caller]
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// Loads what a page is about (the spec of `/specs/:id`): what [`load`]
/// does, except that the server holds the response until it is loaded. So
/// the response's status says whether it was found (404 when it is
/// missing), and the tab's title made from it (`SubjectTitle`) is in the
/// HTML's head, not only set once the WASM runs. The rest of the page
/// streams as before; one query's wait is all the head is held for.
#[track_caller]
pub fn load_subject<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<Result<T, AppError>>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let fetch_and_answer = move |source| {
        let answer = fetcher(source);
        async move {
            let answer = answer.await;
            #[cfg(feature = "ssr")]
            if let Err(error) = &answer {
                crate::request::set_response_status(error);
            }
            answer
        }
    };
    Resource::new_with_options(source, fetch_and_answer, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_survives_the_trip_to_hydration() {
        let sent: Result<Vec<(String, i64)>, String> = Ok(vec![("ü \"quoted\"".into(), -3)]);
        let text = <Json as Encoder<_>>::encode(&sent).unwrap();
        let received: Result<Vec<(String, i64)>, String> = <Json as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(received, sent);
    }

    #[test]
    fn text_that_is_not_the_type_is_an_error_not_a_panic() {
        assert!(<Json as Decoder<Vec<i64>>>::decode("{\"not\": \"a list\"}").is_err());
        assert!(<Json as Decoder<Vec<i64>>>::decode("[1, 2").is_err());
    }
}
