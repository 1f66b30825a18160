//! Colours in command output: a line's ANSI SGR codes (`ESC [ 31 m` and the
//! like) turned into runs of plain text with a style. The escape sequences
//! are parsed by `anstyle-parse` (the parser of the Rust CLI ecosystem);
//! every sequence other than colours and weights, and every control
//! character but the tab, is dropped. The runs' text is only ever rendered
//! as text, so nothing a build prints becomes markup.

use anstyle_parse::{Params, Parser, Perform};

/// How a run of text looks. Colours are the 16 of the terminal palette
/// (0–7 normal, 8–15 bright); 256-colour and true-colour codes map to the
/// nearest of those when they name one of the 16, and are left out otherwise.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunStyle {
    pub foreground: Option<u8>,
    pub background: Option<u8>,
    pub is_bold: bool,
    pub is_dim: bool,
    pub is_italic: bool,
    pub is_underlined: bool,
}

impl RunStyle {
    /// The Tailwind classes that draw the style on the log's dark panel.
    pub fn classes(&self) -> String {
        let mut classes = Vec::new();
        if let Some(colour) = self.foreground {
            classes.push(FOREGROUND[usize::from(colour % 16)]);
        }
        if let Some(colour) = self.background {
            classes.push(BACKGROUND[usize::from(colour % 16)]);
        }
        if self.is_bold {
            classes.push("font-bold");
        }
        if self.is_dim {
            classes.push("opacity-70");
        }
        if self.is_italic {
            classes.push("italic");
        }
        if self.is_underlined {
            classes.push("underline");
        }
        classes.join(" ")
    }

    fn apply(&mut self, params: &Params) {
        let mut codes = params.iter().flat_map(|param| param.iter().copied());
        while let Some(code) = codes.next() {
            match code {
                0 => *self = RunStyle::default(),
                1 => self.is_bold = true,
                2 => self.is_dim = true,
                3 => self.is_italic = true,
                4 => self.is_underlined = true,
                22 => (self.is_bold, self.is_dim) = (false, false),
                23 => self.is_italic = false,
                24 => self.is_underlined = false,
                30..=37 => self.foreground = Some((code - 30) as u8),
                90..=97 => self.foreground = Some((code - 90 + 8) as u8),
                39 => self.foreground = None,
                40..=47 => self.background = Some((code - 40) as u8),
                100..=107 => self.background = Some((code - 100 + 8) as u8),
                49 => self.background = None,
                38 => self.foreground = extended_colour(&mut codes),
                48 => self.background = extended_colour(&mut codes),
                _ => {}
            }
        }
    }
}

/// `5;n` (256 colours) or `2;r;g;b` (true colour) after a 38 or 48.
fn extended_colour(codes: &mut impl Iterator<Item = u16>) -> Option<u8> {
    match codes.next()? {
        5 => codes.next().filter(|colour| *colour < 16).map(|colour| colour as u8),
        2 => {
            // Consumed so they are not read as codes of their own.
            let _ = (codes.next(), codes.next(), codes.next());
            None
        }
        _ => None,
    }
}

/// Text drawn in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledRun {
    pub text: String,
    pub style: RunStyle,
}

/// The runs of `line`, in order; a line without escapes is one plain run.
pub fn styled_runs(line: &str) -> Vec<StyledRun> {
    if !line.contains('\u{1b}') {
        return vec![StyledRun { text: line.to_owned(), style: RunStyle::default() }];
    }
    let mut parser: Parser = Parser::default();
    let mut runs = Runs::default();
    for byte in line.bytes() {
        parser.advance(&mut runs, byte);
    }
    runs.finish()
}

#[derive(Default)]
struct Runs {
    done: Vec<StyledRun>,
    text: String,
    style: RunStyle,
}

impl Runs {
    fn finish(mut self) -> Vec<StyledRun> {
        self.end_run();
        self.done
    }

    fn end_run(&mut self) {
        if !self.text.is_empty() {
            self.done.push(StyledRun { text: std::mem::take(&mut self.text), style: self.style });
        }
    }
}

impl Perform for Runs {
    fn print(&mut self, c: char) {
        self.text.push(c);
    }

    fn execute(&mut self, byte: u8) {
        if byte == b'\t' {
            self.text.push('\t');
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: u8) {
        if action != b'm' || ignore || !intermediates.is_empty() {
            return;
        }
        let mut style = self.style;
        style.apply(params);
        if style != self.style {
            self.end_run();
            self.style = style;
        }
    }
}

/// Foreground colours readable on the log's near-black panel.
const FOREGROUND: [&str; 16] = [
    "text-slate-500",
    "text-red-400",
    "text-green-400",
    "text-yellow-300",
    "text-blue-400",
    "text-fuchsia-400",
    "text-cyan-400",
    "text-slate-200",
    "text-slate-400",
    "text-red-300",
    "text-green-300",
    "text-yellow-200",
    "text-blue-300",
    "text-fuchsia-300",
    "text-cyan-300",
    "text-white",
];

const BACKGROUND: [&str; 16] = [
    "bg-slate-900",
    "bg-red-900",
    "bg-green-900",
    "bg-yellow-900",
    "bg-blue-900",
    "bg-fuchsia-900",
    "bg-cyan-900",
    "bg-slate-600",
    "bg-slate-700",
    "bg-red-700",
    "bg-green-700",
    "bg-yellow-700",
    "bg-blue-700",
    "bg-fuchsia-700",
    "bg-cyan-700",
    "bg-slate-400",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(runs: &[StyledRun]) -> Vec<(&str, Option<u8>, bool)> {
        runs.iter().map(|run| (run.text.as_str(), run.style.foreground, run.style.is_bold)).collect()
    }

    #[test]
    fn a_line_without_escapes_is_one_plain_run() {
        let runs = styled_runs("ok 1 - adds a todo <b>&amp;</b>");
        assert_eq!(texts(&runs), [("ok 1 - adds a todo <b>&amp;</b>", None, false)]);
    }

    #[test]
    fn colour_codes_split_the_line_into_styled_runs() {
        let runs = styled_runs("\u{1b}[1;32m✓ passed\u{1b}[0m in \u{1b}[91m2 s\u{1b}[39m.");
        assert_eq!(
            texts(&runs),
            [("✓ passed", Some(2), true), (" in ", None, false), ("2 s", Some(9), false), (".", None, false)]
        );
        assert_eq!(runs[0].style.classes(), "text-green-400 font-bold");
    }

    #[test]
    fn other_sequences_and_control_characters_are_dropped() {
        // Cursor movement, erase line, a window title (OSC), a bell and a backspace.
        let runs = styled_runs("\u{1b}[2K\u{1b}[1Gloading\u{7}\u{8}\u{1b}]0;title\u{7} done\tnow");
        assert_eq!(texts(&runs), [("loading done\tnow", None, false)]);
    }

    #[test]
    fn extended_colours_map_to_the_palette_or_are_left_out() {
        let runs = styled_runs("\u{1b}[38;5;4mblue\u{1b}[38;2;10;20;30mtrue\u{1b}[38;5;200mwide");
        assert_eq!(texts(&runs), [("blue", Some(4), false), ("truewide", None, false)]);
    }

    #[test]
    fn an_unfinished_sequence_at_the_end_is_not_text() {
        let runs = styled_runs("half\u{1b}[3");
        assert_eq!(texts(&runs), [("half", None, false)]);
    }
}
