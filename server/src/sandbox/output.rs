//! A command's output read as lines with bounded memory, whatever it
//! prints: a line longer than [`MAX_LINE_BYTES`] keeps its start and is
//! marked as cut, and past the command's byte budget lines are drained and
//! counted instead of passed on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

use super::{CommandOutput, OutputLine, OutputStream};

/// The longest line passed on; a longer one is cut here.
pub const MAX_LINE_BYTES: usize = 32 * 1024;

/// One line as read: at most [`MAX_LINE_BYTES`] of it, and how many bytes
/// (its newline excluded) it really had.
struct CappedLine {
    kept: Vec<u8>,
    length: usize,
}

/// Sends `pipe`'s lines until the byte budget is spent, then drains the
/// rest. Answers whether anything was held back.
pub fn forward_lines(
    pipe: impl AsyncRead + Unpin + Send + 'static,
    stream: OutputStream,
    output: mpsc::Sender<CommandOutput>,
    budget: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<bool> {
    tokio::spawn(async move {
        let mut reader = BufReader::new(pipe);
        let mut is_truncated = false;
        while let Ok(Some(line)) = read_capped_line(&mut reader).await {
            let allowed = budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                    left.checked_sub(line.kept.len() + 1)
                })
                .is_ok();
            if !allowed {
                is_truncated = true;
                continue;
            }
            if output.send(CommandOutput::Line(OutputLine { stream, text: line.into_text() })).await.is_err()
            {
                is_truncated = true;
            }
        }
        is_truncated
    })
}

/// The next line of `reader`, or `None` at the end. Memory stays within
/// [`MAX_LINE_BYTES`] plus the reader's buffer however long the line is.
async fn read_capped_line(reader: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<Option<CappedLine>> {
    let mut line = CappedLine { kept: Vec::new(), length: 0 };
    let mut read_any = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(read_any.then_some(line));
        }
        read_any = true;
        let (piece, is_end) = match available.iter().position(|&byte| byte == b'\n') {
            Some(newline) => (&available[..newline], true),
            None => (available, false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(line.kept.len());
        line.kept.extend_from_slice(&piece[..piece.len().min(room)]);
        line.length += piece.len();
        let consumed = piece.len() + usize::from(is_end);
        reader.consume(consumed);
        if is_end {
            return Ok(Some(line));
        }
    }
}

impl CappedLine {
    fn into_text(self) -> String {
        let cut = self.length - self.kept.len();
        let mut text = String::from_utf8_lossy(&self.kept).trim_end_matches('\r').to_owned();
        if cut > 0 {
            text.push_str(&format!(" [… line cut: {cut} more bytes …]"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines_of(input: &[u8]) -> Vec<String> {
        let mut reader = BufReader::new(input);
        let mut lines = Vec::new();
        while let Some(line) = read_capped_line(&mut reader).await.unwrap() {
            lines.push(line.into_text());
        }
        lines
    }

    #[tokio::test]
    async fn lines_are_split_at_newlines_and_a_last_line_without_one_counts() {
        assert_eq!(lines_of(b"a\r\nb\n\nlast").await, ["a", "b", "", "last"]);
        assert!(lines_of(b"").await.is_empty());
    }

    #[tokio::test]
    async fn a_line_over_the_cap_keeps_its_start_and_says_how_much_was_cut() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 1000];
        input.extend_from_slice(b"\nnext\n");
        let lines = lines_of(&input).await;
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with(&"x".repeat(MAX_LINE_BYTES)), "kept the start");
        assert!(lines[0].ends_with("[… line cut: 1000 more bytes …]"), "{}", &lines[0][MAX_LINE_BYTES..]);
        assert_eq!(lines[1], "next");
    }
}
