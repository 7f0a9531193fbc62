//! The mark above a job whose printing a crash or power cut interrupted: it
//! may have reached paper already, so the copy printed after the restart
//! says it may be a duplicate, and nobody hands out or cooks an order twice
//! without noticing. English and ASCII only: it must print on any printer
//! whatever the job's language.

use super::encode::encode;
use super::layout::{Align, Block, Document, Size};
use super::text::wrap;

pub(super) const HEADLINE: &str = "DUPLICATE?";
pub(super) const EXPLANATION: &str =
    "Printing was interrupted (power loss); this may have printed already.";

/// The job's bytes under the mark (the job's own ESC @ then resets the style).
pub(super) fn marked(job_bytes: &[u8], columns: usize) -> Vec<u8> {
    let text = |text: String, size: Size| Block::Text {
        text,
        bold: true,
        size,
        align: Align::Left,
    };
    let mut blocks = vec![text(HEADLINE.into(), Size::Large)];
    blocks.extend(
        wrap(EXPLANATION, columns, columns)
            .into_iter()
            .map(|line| text(line, Size::Normal)),
    );
    blocks.push(Block::Rule);
    // Encoding into memory cannot fail; should it ever, the mark goes out as plain text.
    let mut out = encode(&Document { columns, blocks })
        .unwrap_or_else(|_| format!("{HEADLINE} {EXPLANATION}\n").into_bytes());
    out.extend_from_slice(job_bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_fits_narrow_paper_and_ends_before_the_job() {
        let out = marked(b"\x1b@job", 32);
        assert!(out.ends_with(b"\x1b@job"));
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains(HEADLINE), "{text:?}");
        assert!(text.contains("Printing was interrupted (power"), "{text:?}");
        assert!(
            !text.contains("\x1dV"),
            "no cut between the mark and the job"
        );
    }
}
