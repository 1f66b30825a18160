//! Which rows of a long list to draw: those in view and a margin around
//! them, so a log of any length costs the same to open and to scroll.

/// Every row of the log is this tall (one line, no wrapping).
pub(super) const ROW_PX: f64 = 20.0;

/// Rows drawn above and below the visible ones, so a quick scroll does not
/// show blank space before the next frame.
const MARGIN_ROWS: usize = 40;

/// Rows `first..end` of the (filtered) log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RowWindow {
    pub(super) first: usize,
    pub(super) end: usize,
}

impl RowWindow {
    /// The rows to draw when the list is scrolled `scroll_top` pixels down a
    /// viewport `viewport_px` tall, out of `total` rows.
    pub(super) fn around(scroll_top: f64, viewport_px: f64, total: usize) -> Self {
        let first_visible = (scroll_top.max(0.0) / ROW_PX).floor() as usize;
        let visible = (viewport_px.max(0.0) / ROW_PX).ceil() as usize + 1;
        let first = first_visible.saturating_sub(MARGIN_ROWS).min(total);
        let end = first_visible.saturating_add(visible).saturating_add(MARGIN_ROWS).min(total);
        RowWindow { first, end: end.max(first) }
    }

    /// How far down the first drawn row sits.
    pub(super) fn offset_px(&self) -> f64 {
        self.first as f64 * ROW_PX
    }
}

/// The height of `rows` rows, for the scroll bar.
pub(super) fn height_px(rows: usize) -> f64 {
    rows as f64 * ROW_PX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_of_a_long_log_draws_the_visible_rows_and_a_margin_below() {
        let window = RowWindow::around(0.0, 576.0, 100_000);
        assert_eq!(window, RowWindow { first: 0, end: 30 + MARGIN_ROWS });
        assert_eq!(window.offset_px(), 0.0);
    }

    #[test]
    fn the_middle_draws_a_margin_on_both_sides() {
        let window = RowWindow::around(50_000.0 * ROW_PX, 576.0, 100_000);
        assert_eq!(window.first, 50_000 - MARGIN_ROWS);
        assert_eq!(window.end, 50_000 + 30 + MARGIN_ROWS);
        assert_eq!(window.offset_px(), (50_000 - MARGIN_ROWS) as f64 * ROW_PX);
    }

    #[test]
    fn the_window_stays_inside_the_list_whatever_the_scroll() {
        assert_eq!(RowWindow::around(1e12, 576.0, 10), RowWindow { first: 10, end: 10 });
        assert_eq!(RowWindow::around(-50.0, 576.0, 10), RowWindow { first: 0, end: 10 });
        assert_eq!(RowWindow::around(0.0, 576.0, 0), RowWindow { first: 0, end: 0 });
    }
}
