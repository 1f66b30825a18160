//! Small choices a person makes once and the pages keep, such as the build
//! page's view. They live in a cookie rather than local storage so the
//! server renders the page as chosen: no flash of the other view while the
//! page loads, and the same page without JavaScript.

#[cfg(any(feature = "ssr", feature = "hydrate"))]
use leptos::prelude::*;

/// A year: a preference outlives sessions.
#[cfg(feature = "hydrate")]
const KEEP_FOR_SECS: u32 = 365 * 24 * 60 * 60;

/// The value remembered under `name`, read from the request while the
/// server renders and from the document in the browser, so both agree.
pub fn remembered(name: &str) -> Option<String> {
    cookie_header().and_then(|cookies| cookie_value(&cookies, name))
}

/// Remembers `value` under `name` for this browser. `value` is one of the
/// page's own words (a view's name), never user input.
pub fn remember(name: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;

        if let Ok(document) = document().dyn_into::<leptos::web_sys::HtmlDocument>() {
            let _ = document
                .set_cookie(&format!("{name}={value}; Path=/; Max-Age={KEEP_FOR_SECS}; SameSite=Lax"));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (name, value);
}

#[cfg(feature = "ssr")]
fn cookie_header() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let headers: Vec<&str> =
        parts.headers.get_all(http::header::COOKIE).iter().filter_map(|value| value.to_str().ok()).collect();
    Some(headers.join("; "))
}

#[cfg(feature = "hydrate")]
fn cookie_header() -> Option<String> {
    use leptos::wasm_bindgen::JsCast;

    document().dyn_into::<leptos::web_sys::HtmlDocument>().ok()?.cookie().ok()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn cookie_header() -> Option<String> {
    None
}

/// The value of the first cookie called `name` in a `Cookie` header.
fn cookie_value(cookies: &str, name: &str) -> Option<String> {
    cookies.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::cookie_value;

    #[test]
    fn the_named_cookie_is_found_among_others() {
        let cookies = "id=abc; build_view=logs;theme=dark";
        assert_eq!(cookie_value(cookies, "build_view").as_deref(), Some("logs"));
        assert_eq!(cookie_value(cookies, "theme").as_deref(), Some("dark"));
        assert_eq!(cookie_value(cookies, "view"), None);
        assert_eq!(cookie_value("", "view"), None);
    }
}
