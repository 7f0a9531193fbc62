//! Document → ESC/POS bytes, with the escpos crate writing into memory.
//!
//! Character sets: Latin text uses code page PC858 (ESC t 19): it is
//! PC850 with € at 0xD5, so £ € ä ö ü ß Ä Ö Ü × ¥ all print, and nearly
//! every ESC/POS printer has it. Chinese needs the printer's Chinese mode
//! (FS &), in which bytes ≥ 0x81 pair up as GBK; escpos 0.20 has no
//! command for it, so FS & / FS . are sent as two raw bytes each.
//! In Chinese mode a GBK character is printed two cells wide, so only
//! characters that unicode-width also counts as two columns go out as
//! GBK. One-column characters outside ASCII (£, ¥, ×, umlauts) go out as
//! PC858 with Chinese mode switched off around them, which keeps the
//! printed columns equal to the layout's. Every job starts with FS . because
//! many cheap Chinese-market printers power up in Chinese mode and would
//! print PC858 bytes as GBK garbage. Characters neither table has print as
//! "?" (one column) or "？" (two columns) so columns stay aligned.

use super::error::PrinterError;
use super::layout::{Align, Block, Document, Size};
use super::text::char_width;
use encoding_rs::{GBK, X_USER_DEFINED};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::printer_options::PrinterOptions;
use escpos::utils::{Encoder, JustifyMode, PageCode, Protocol};
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::LazyLock;

/// FS & (select Chinese character mode), missing from escpos 0.20.
const FS_CHINESE_ON: &[u8] = &[0x1C, b'&'];
/// FS . (cancel Chinese character mode), missing from escpos 0.20.
const FS_CHINESE_OFF: &[u8] = &[0x1C, b'.'];

/// Collects the printer's output so encoding needs no device.
#[derive(Default)]
struct MemoryDriver {
    bytes: RefCell<Vec<u8>>,
}

impl Driver for MemoryDriver {
    fn name(&self) -> String {
        "memory".into()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.bytes.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

fn new_printer(encoder: Encoder, columns: usize) -> Printer<MemoryDriver> {
    let columns = u8::try_from(columns).unwrap_or(u8::MAX);
    let options = PrinterOptions::new(Some(PageCode::PC858), None, columns);
    Printer::new(
        MemoryDriver::default(),
        Protocol::new(encoder),
        Some(options),
    )
}

/// The characters the escpos crate maps in PC858. Its table is private,
/// so each candidate is written once through a printer whose fallback
/// encoder (x-user-defined) rejects everything beyond ASCII.
/// escpos 0.20.1's table has '®' at 0xA8 (really '¿'), '⌐' at 0xA9
/// (really '®') and 'Ô' at 0xE3 (really 'Ò'); those are left out, so they
/// print as "?" rather than as a different letter.
static PC858: LazyLock<HashSet<char>> = LazyLock::new(|| {
    (0x80u32..=0x25FF)
        .filter_map(char::from_u32)
        .filter(|c| !matches!(c, '®' | '⌐' | 'Ô'))
        .filter(|c| {
            let mut printer = new_printer(Encoder::new(X_USER_DEFINED), 42);
            printer.write(c.encode_utf8(&mut [0; 4])).is_ok()
        })
        .collect()
});

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Prints the same in either mode.
    Ascii,
    /// PC858, outside Chinese mode.
    Latin,
    /// GBK, in Chinese mode.
    Chinese,
}

fn classify(c: char) -> Option<(Class, char)> {
    if c.is_ascii() {
        return (!c.is_ascii_control()).then_some((Class::Ascii, c));
    }
    match char_width(c) {
        0 => None,
        1 if PC858.contains(&c) => Some((Class::Latin, c)),
        1 => Some((Class::Ascii, '?')),
        _ if is_gbk_pair(c) => Some((Class::Chinese, c)),
        _ => Some((Class::Chinese, '？')),
    }
}

fn is_gbk_pair(c: char) -> bool {
    let mut utf8 = [0; 4];
    let (bytes, _, unmappable) = GBK.encode(c.encode_utf8(&mut utf8));
    !unmappable && bytes.len() == 2
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Style {
    bold: bool,
    size: Size,
    align: Align,
}

struct Encoding {
    printer: Printer<MemoryDriver>,
    style: Style,
    chinese: bool,
}

impl Encoding {
    fn set_style(&mut self, style: Style) -> Result<(), PrinterError> {
        let p = &mut self.printer;
        if style.bold != self.style.bold {
            p.bold(style.bold)?;
        }
        if style.size != self.style.size {
            match style.size.scale() {
                (1, 1) => p.reset_size()?,
                (w, h) => p.size(w, h)?,
            };
        }
        if style.align != self.style.align {
            p.justify(match style.align {
                Align::Left => JustifyMode::LEFT,
                Align::Center => JustifyMode::CENTER,
                Align::Right => JustifyMode::RIGHT,
            })?;
        }
        self.style = style;
        Ok(())
    }

    fn line(&mut self, text: &str) -> Result<(), PrinterError> {
        let mut run = String::new();
        let mut run_class = Class::Ascii;
        for (class, c) in text.chars().filter_map(classify) {
            if class != run_class {
                self.run(&run, run_class)?;
                run.clear();
                run_class = class;
            }
            run.push(c);
        }
        self.run(&run, run_class)?;
        self.printer.feed()?;
        Ok(())
    }

    fn run(&mut self, run: &str, class: Class) -> Result<(), PrinterError> {
        if run.is_empty() {
            return Ok(());
        }
        let chinese = match class {
            // escpos 0.20's PC858 table maps ASCII '-' to 0xF0 (soft
            // hyphen), so ASCII bypasses the crate's text encoding: its
            // bytes are the same in every code page and in Chinese mode.
            Class::Ascii => {
                self.printer.custom(run.as_bytes())?;
                return Ok(());
            }
            Class::Latin => false,
            Class::Chinese => true,
        };
        if chinese != self.chinese {
            let cmd = if chinese {
                FS_CHINESE_ON
            } else {
                FS_CHINESE_OFF
            };
            self.printer.custom(cmd)?;
            self.chinese = chinese;
        }
        self.printer.write(run)?;
        Ok(())
    }
}

/// Encodes a whole job: initialise, the blocks, nothing after the cut.
pub fn encode(doc: &Document) -> Result<Vec<u8>, PrinterError> {
    let plain = Style {
        bold: false,
        size: Size::Normal,
        align: Align::Left,
    };
    let mut enc = Encoding {
        // The GBK fallback only ever sees ASCII and Chinese runs (see
        // `classify`), so unmappable characters cannot reach it.
        printer: new_printer(Encoder::new(GBK), doc.columns),
        style: plain,
        chinese: false,
    };
    // ESC @ and ESC t 19; ESC @ resets bold, size and alignment to `plain`.
    enc.printer.init()?;
    enc.printer.custom(FS_CHINESE_OFF)?;
    for block in &doc.blocks {
        match block {
            Block::Text {
                text,
                bold,
                size,
                align,
            } => {
                enc.set_style(Style {
                    bold: *bold,
                    size: *size,
                    align: *align,
                })?;
                enc.line(text)?;
            }
            Block::Rule => {
                enc.set_style(plain)?;
                enc.line(&"-".repeat(doc.columns))?;
            }
            Block::Feed(n) => {
                enc.printer.feeds(*n)?;
            }
            Block::Cut => {
                enc.printer.cut()?;
            }
        }
    }
    enc.printer.print()?;
    Ok(enc.printer.driver().bytes.into_inner())
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
