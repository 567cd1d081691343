//! A progress bar on standard error while a large repo is read, when standard error is a
//! terminal: `reading 4,200/13,622 files [########------------]`. Small repos (under
//! [`FROM_FILES`] files) and pipes get nothing.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use interop_sdk::sync::read::ReadProgress;

/// Reads of fewer files than this finish before a bar would be seen.
pub const FROM_FILES: usize = 2_000;

const WIDTH: usize = 30;

/// The bar's line for `done` of `total` files (no carriage return).
pub fn line(done: usize, total: usize) -> String {
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "reading {}/{} files [{}{}]",
        thousands(done),
        thousands(total),
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The progress hook for the terminal, or `None` when standard error is not one.
pub fn on_terminal() -> Option<ReadProgress> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    // The last number of `#` drawn: the bar is redrawn only when it changes.
    let drawn = Mutex::new(usize::MAX);
    Some(ReadProgress::new(move |done, total| {
        if total < FROM_FILES {
            return;
        }
        let filled = done * WIDTH / total;
        let Ok(mut last) = drawn.lock() else { return };
        if *last == filled && done != total {
            return;
        }
        *last = filled;
        let mut err = std::io::stderr().lock();
        if done == total {
            // Done: the line is cleared, the command's own output follows.
            let _ = write!(err, "\r{}\r", " ".repeat(line(done, total).len()));
        } else {
            let _ = write!(err, "\r{}", line(done, total));
        }
        let _ = err.flush();
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_fills_with_the_files_read() {
        assert_eq!(
            line(0, 13_622),
            "reading 0/13,622 files [------------------------------]"
        );
        assert_eq!(
            line(4_200, 13_622),
            "reading 4,200/13,622 files [#########---------------------]"
        );
        assert_eq!(
            line(13_622, 13_622),
            "reading 13,622/13,622 files [##############################]"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(line(0, 0).matches('#').count(), WIDTH);
    }
}
