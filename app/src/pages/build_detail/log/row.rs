//! One line of the log: a tag saying what it is (stdout, stderr, test,
//! error…), then its text with the colours the command printed.

use leptos::prelude::*;

use crate::components::ansi_text::AnsiText;
use crate::model::build_log::{LogCategory, LogLine};
use crate::model::builds::LogStream;

/// `is_windowed`: one fixed-height row that never wraps (the browser draws
/// only the rows in view); otherwise long lines wrap, as the server renders.
#[component]
pub(super) fn LogRow(line: LogLine, is_windowed: bool) -> impl IntoView {
    let (tag_tone, text_tone) = tones(&line);
    let tag = line.tag();
    let shape = match is_windowed {
        true => "h-5 overflow-hidden whitespace-pre",
        false => "min-h-5 whitespace-pre-wrap break-all",
    };
    // A row of the window is one line tall: a line that holds several (a
    // command written over lines, a reason with breaks) shows them joined.
    let text = match is_windowed && line.line.contains(['\n', '\r']) {
        true => line.line.replace("\r\n", "\n").replace(['\n', '\r'], " \u{23ce} "),
        false => line.line,
    };
    // Errors and stderr are marked at the edge too, not by colour alone.
    let edge = match (line.category, line.stream) {
        (LogCategory::Error, _) | (LogCategory::Log, LogStream::Stderr) => "border-red-400",
        _ => "border-transparent",
    };
    view! {
        <div
            class=format!("flex gap-2 border-l-2 pl-1 {shape} {edge}")
            data-seq=line.seq
            data-category=line.category.as_str()
            data-stream=tag
        >
            <span class=format!("w-14 shrink-0 select-none {tag_tone}")>{tag}</span>
            <span class=text_tone><AnsiText text /></span>
        </div>
    }
}

/// The tag's colour and the text's default colour.
fn tones(line: &LogLine) -> (&'static str, &'static str) {
    match (line.category, line.stream) {
        (LogCategory::Log, LogStream::Stdout) => ("text-slate-400", ""),
        (LogCategory::Log, LogStream::Stderr) => ("text-red-400", "text-red-200"),
        (LogCategory::Log, LogStream::System) => ("text-slate-400", "text-slate-400"),
        (LogCategory::Error, _) => ("text-red-400", "text-red-200"),
        (LogCategory::Test, _) => ("text-cyan-400", "text-cyan-100"),
        (LogCategory::Feature, _) => ("text-emerald-400", "text-emerald-100"),
        (LogCategory::Phase, _) => ("text-indigo-300", "text-indigo-100"),
        (LogCategory::Network, _) => ("text-amber-300", "text-amber-100"),
        (LogCategory::App, LogStream::Stderr) => ("text-fuchsia-300", "text-red-200"),
        (LogCategory::App, _) => ("text-fuchsia-300", "text-fuchsia-100"),
        (LogCategory::Tool | LogCategory::File, _) => ("text-slate-400", "text-slate-300"),
    }
}
