//! Rules for the `view!` markup that the compiler does not check, tested over
//! the sources.
//!
//! No `on:` event handler spread onto a component tag (`<Button on:click=…>`).
//! With `erase_components` (set for every build), a component's spread
//! attributes are added again each time its view is rebuilt, without the old
//! ones being removed: the element ends up with two handlers and the stale one
//! keeps firing (the wizard stuck on a step, Duplicate opening nothing).
//! Components take their handler as a prop instead (`Button`'s `on_click`).

use std::path::{Path, PathBuf};

/// Each `<Component …>` tag in `source` that spreads an `on:` handler, as
/// (line, component name).
fn spread_handlers(source: &str) -> Vec<(usize, String)> {
    let bytes = source.as_bytes();
    let mut found = Vec::new();
    let mut index = 0;
    while index + 1 < bytes.len() {
        if bytes[index] == b'<' && bytes[index + 1].is_ascii_uppercase() {
            let name_end = (index + 1..bytes.len())
                .find(|&at| !(bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_'))
                .unwrap_or(bytes.len());
            let name = &source[index + 1..name_end];
            if tag_has_spread_handler(&bytes[name_end..]) {
                let line = source[..index].matches('\n').count() + 1;
                found.push((line, name.to_owned()));
            }
            index = name_end;
        } else {
            index += 1;
        }
    }
    found
}

/// Reads a tag's attributes up to its closing `>` (skipping `{…}` blocks,
/// strings and the `>` of `=>` and `->`): is one of them `on:…`?
fn tag_has_spread_handler(rest: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut at = 0;
    while at < rest.len() {
        let byte = rest[at];
        if in_string {
            match byte {
                b'\\' => at += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'{' | b'(' => depth += 1,
                b'}' | b')' => depth = depth.saturating_sub(1),
                b'<' if depth == 0 => return false,
                b'>' if depth == 0 && at > 0 && matches!(rest[at - 1], b'=' | b'-') => {}
                b'>' if depth == 0 => return false,
                b'o' if depth == 0
                    && rest[at..].starts_with(b"on:")
                    && at > 0
                    && rest[at - 1].is_ascii_whitespace() =>
                {
                    return true
                }
                _ => {}
            }
        }
        at += 1;
    }
    false
}

fn rust_files(directory: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(directory).expect("the app's sources can be listed");
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn no_component_tag_spreads_an_event_handler() {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&sources, &mut files);
    assert!(files.len() > 20, "the scan found the app's sources in {}", sources.display());
    let this_file = Path::new(file!()).file_name();
    let offences: Vec<String> = files
        .iter()
        .filter(|path| path.file_name() != this_file)
        .flat_map(|path| {
            let source = std::fs::read_to_string(path).expect("a readable source file");
            spread_handlers(&source)
                .into_iter()
                .map(move |(line, component)| format!("{}:{line}: <{component} on:…>", path.display()))
        })
        .collect();
    assert!(
        offences.is_empty(),
        "give these components their handler as a prop (like Button's on_click):\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_scan_finds_a_spread_handler_and_nothing_else() {
    let source = r#"
        view! {
            <Button tone=Tone::Primary on:click=move |_| save()>"Save"</Button>
            <Button on_click=Callback::new(move |_| save())>"Save"</Button>
            <button on:click=move |_| save()>"Save"</button>
            <Show when=move || count.get() > 1 fallback=|| ()>
                <A href="/" attr:title="on: the way">"Home"</A>
            </Show>
            <Field
                label="Name"
                value=name
                on:input=move |event| set(event)
            />
        }
        let list: Vec<Option<String>> = Vec::new();
    "#;
    assert_eq!(spread_handlers(source), vec![(3, "Button".to_owned()), (9, "Field".to_owned())]);
}
