//! Draws what the fake printer printed (the lines `escpos_text::decode` gives) onto a strip of paper, with the
//! kiosk's bundled font, one glyph per printer cell, double width and height where the printer would print
//! them. For `docs/screenshots/`: a person can look at a slip without a printer.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage};

/// One printer cell: 12 px wide, a line 26 px high, as on 203 dpi paper seen at about half size.
const CELL: u32 = 12;
const LINE: u32 = 26;
const MARGIN: u32 = 20;
const PAPER: Rgb<u8> = Rgb([252, 251, 247]);
const INK: [f32; 3] = [20.0, 20.0, 24.0];

/// The printed lines (`<size><bold>|<text>`, "" for a blank line, "--- cut ---") on paper `columns` cells wide.
pub fn draw(lines: &[String], columns: usize) -> RgbImage {
    let regular = FontRef::try_from_slice(include_bytes!("../../ui/fonts/DejaVuSans.ttf")).unwrap();
    let bold =
        FontRef::try_from_slice(include_bytes!("../../ui/fonts/DejaVuSans-Bold.ttf")).unwrap();
    let heights: Vec<u32> = lines.iter().map(|line| style(line).1).collect();
    let height = MARGIN * 2 + heights.iter().map(|h| h * LINE).sum::<u32>();
    let width = MARGIN * 2 + columns as u32 * CELL;
    let mut paper = RgbImage::from_pixel(width, height, PAPER);
    let mut top = MARGIN;
    for (line, lines_high) in lines.iter().zip(heights) {
        if line == "--- cut ---" {
            // Where the cutter cuts: a dashed line across the paper.
            let y = top + LINE / 2;
            for x in (0..width).filter(|x| x % 12 < 7) {
                paper.put_pixel(x, y, Rgb([150, 150, 150]));
            }
        } else if let Some((_, text)) = line.split_once('|') {
            let (wide, _, is_bold) = style(line);
            let font = if is_bold { &bold } else { &regular };
            let scale = PxScale {
                x: 20.0 * wide as f32,
                y: 20.0 * lines_high as f32,
            };
            let scaled = font.as_scaled(scale);
            let baseline = top as f32 + (LINE * lines_high) as f32 * 0.5 + scaled.ascent() * 0.4;
            // The decoder writes alignment padding as single-cell spaces before the text.
            let padding = text.len() - text.trim_start_matches(' ').len();
            let mut cell = padding as u32;
            for c in text[padding..].chars() {
                let cells = wide * if c > '\u{2E7F}' { 2 } else { 1 };
                // Each glyph centred in its cells, as a printer's fixed-pitch font places it.
                let advance = scaled.h_advance(font.glyph_id(c));
                let left =
                    MARGIN as f32 + (cell * CELL) as f32 + ((cells * CELL) as f32 - advance) / 2.0;
                let glyph = font
                    .glyph_id(c)
                    .with_scale_and_position(scale, point(left, baseline));
                if let Some(outline) = font.outline_glyph(glyph) {
                    let bounds = outline.px_bounds();
                    outline.draw(|x, y, coverage| {
                        let (px, py) = (
                            bounds.min.x as i64 + x as i64,
                            bounds.min.y as i64 + y as i64,
                        );
                        if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                            let pixel = paper.get_pixel_mut(px as u32, py as u32);
                            for (channel, ink) in pixel.0.iter_mut().zip(INK) {
                                *channel =
                                    (*channel as f32 * (1.0 - coverage) + ink * coverage) as u8;
                            }
                        }
                    });
                }
                cell += cells;
            }
        }
        top += LINE * lines_high;
    }
    paper
}

/// A printed line's width and height multipliers and whether it is bold.
fn style(line: &str) -> (u32, u32, bool) {
    let Some((prefix, _)) = line.split_once('|') else {
        return (1, 1, false);
    };
    let bold = prefix.ends_with('B');
    let size = prefix.trim_end_matches('B').trim();
    let (w, h) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .unwrap_or((1, 1));
    (w, h, bold)
}

/// The share of pixels that differ by more than a little between two drawings (1.0 when their sizes differ):
/// glyph edges may move by a shade between machines, a changed slip moves whole lines.
pub fn changed_share(a: &RgbImage, b: &RgbImage) -> f64 {
    if a.dimensions() != b.dimensions() {
        return 1.0;
    }
    let changed = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| {
            p.0.iter()
                .zip(q.0)
                .any(|(x, y)| (*x as i16 - y as i16).abs() > 24)
        })
        .count();
    changed as f64 / (a.width() * a.height()) as f64
}
