//! A strict virtual receipt printer: ESC/POS bytes in, the printed lines
//! out. It knows each command's argument length and panics on anything
//! it does not know, so an encoder bug cannot hide as stray text.
//!
//! Each printed line is `<size><bold>|<text>`: size is blank for normal
//! text or "WxH" (e.g. "2x2"), bold is "B" or blank, and the text is
//! aligned in printer cells as the printer would place it. Blank lines
//! are "", and a cut is "--- cut ---".

/// Code page 858, 0x80..=0xFF, from Python's cp858 codec (independent of
/// the escpos crate's table).
const PC858: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '×', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '®', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', 'Á', 'Â', 'À', '©', '╣', '║', '╗', '╝', '¢', '¥', '┐', //
    '└', '┴', '┬', '├', '─', '┼', 'ã', 'Ã', '╚', '╔', '╩', '╦', '╠', '═', '╬', '¤', //
    'ð', 'Ð', 'Ê', 'Ë', 'È', '€', 'Í', 'Î', 'Ï', '┘', '┌', '█', '▄', '¦', 'Ì', '▀', //
    'Ó', 'ß', 'Ô', 'Ò', 'õ', 'Õ', 'µ', 'þ', 'Þ', 'Ú', 'Û', 'Ù', 'ý', 'Ý', '¯', '´', //
    '\u{ad}', '±', '‗', '¾', '¶', '§', '÷', '¸', '°', '¨', '·', '¹', '³', '²', '■', '\u{a0}',
];

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const FS: u8 = 0x1C;

#[derive(Clone, Copy, PartialEq, Debug)]
struct Style {
    bold: bool,
    width: usize,
    height: usize,
    align: u8,
}

const RESET: Style = Style {
    bold: false,
    width: 1,
    height: 1,
    align: 0,
};

struct Machine {
    columns: usize,
    style: Style,
    page: Option<u8>,
    chinese: bool,
    /// Characters of the line being built, with their cell widths.
    line: Vec<(char, usize)>,
    line_style: Style,
    out: Vec<String>,
}

impl Machine {
    fn put(&mut self, c: char, cells: usize) {
        if self.line.is_empty() {
            self.line_style = self.style;
        }
        assert_eq!(
            self.line_style,
            self.style,
            "style changed in the middle of a line: {:?}",
            self.text()
        );
        self.line.push((c, cells));
    }

    fn text(&self) -> String {
        self.line.iter().map(|(c, _)| c).collect()
    }

    fn end_line(&mut self) {
        if self.line.is_empty() {
            self.out.push(String::new());
            return;
        }
        let s = self.line_style;
        let cells: usize = self.line.iter().map(|(_, w)| w * s.width).sum();
        let text = self.text();
        assert!(
            cells <= self.columns,
            "line wider than {} cells ({cells}): {text:?}",
            self.columns
        );
        let free = self.columns - cells;
        let pad = match s.align {
            0 | b'0' => 0,
            1 | b'1' => free / 2,
            2 | b'2' => free,
            a => panic!("bad ESC a argument {a}"),
        };
        let size = if (s.width, s.height) == (1, 1) {
            String::new()
        } else {
            format!("{}x{}", s.width, s.height)
        };
        let bold = if s.bold { "B" } else { " " };
        let line = format!("{size:<3}{bold}|{}{text}", " ".repeat(pad));
        self.out.push(line.trim_end().to_owned());
        self.line.clear();
    }
}

/// Decodes a job for paper `columns` font-A cells wide.
pub fn decode(bytes: &[u8], columns: usize) -> Vec<String> {
    let mut m = Machine {
        columns,
        style: RESET,
        page: None,
        chinese: false,
        line: Vec::new(),
        line_style: RESET,
        out: Vec::new(),
    };
    let mut i = 0;
    let arg = |i: usize, n: usize| -> u8 {
        *bytes
            .get(i + n)
            .unwrap_or_else(|| panic!("command at {i} cut short"))
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            ESC => {
                let cmd = arg(i, 1);
                i += match cmd {
                    b'@' => {
                        m.style = RESET;
                        m.page = Some(0);
                        2
                    }
                    b't' => {
                        m.page = Some(arg(i, 2));
                        3
                    }
                    b'E' => {
                        m.style.bold = arg(i, 2) & 1 == 1;
                        3
                    }
                    b'a' => {
                        m.style.align = arg(i, 2);
                        3
                    }
                    b'd' => {
                        for _ in 0..arg(i, 2) {
                            m.end_line();
                        }
                        3
                    }
                    b'!' | b'M' | b'-' | b'G' | b'V' | b'{' | b'R' | b'3' | b'J' => 3,
                    b'2' => 2,
                    _ => panic!("unknown command ESC {cmd:#04x} at {i}"),
                };
            }
            GS => {
                let cmd = arg(i, 1);
                i += match cmd {
                    b'!' => {
                        let n = arg(i, 2) as usize;
                        m.style.width = (n >> 4) + 1;
                        m.style.height = (n & 0x0F) + 1;
                        3
                    }
                    b'V' => {
                        if !m.line.is_empty() {
                            m.end_line();
                        }
                        m.out.push("--- cut ---".into());
                        match arg(i, 2) {
                            0 | 1 | b'0' | b'1' => 3,
                            65 | 66 => 4,
                            n => panic!("bad GS V argument {n}"),
                        }
                    }
                    b'B' | b'b' => 3,
                    _ => panic!("unknown command GS {cmd:#04x} at {i}"),
                };
            }
            FS => {
                let cmd = arg(i, 1);
                i += match cmd {
                    b'&' => {
                        m.chinese = true;
                        2
                    }
                    b'.' => {
                        m.chinese = false;
                        2
                    }
                    b'!' | b'W' => 3,
                    _ => panic!("unknown command FS {cmd:#04x} at {i}"),
                };
            }
            b'\n' => {
                m.end_line();
                i += 1;
            }
            0x20..=0x7E => {
                m.put(b as char, 1);
                i += 1;
            }
            0x81..=0xFE if m.chinese => {
                let pair = [b, arg(i, 1)];
                let (text, bad) = encoding_rs::GBK.decode_without_bom_handling(&pair);
                assert!(!bad, "invalid GBK {pair:02x?} at {i}");
                let c = text.chars().next().unwrap();
                m.put(c, 2);
                i += 2;
            }
            0x80..=0xFF if !m.chinese => {
                assert_eq!(
                    m.page,
                    Some(19),
                    "byte {b:#04x} at {i} without code page 858"
                );
                m.put(PC858[usize::from(b - 0x80)], 1);
                i += 1;
            }
            _ => panic!(
                "unexpected byte {b:#04x} at {i} (chinese mode: {})",
                m.chinese
            ),
        }
    }
    assert!(
        m.line.is_empty(),
        "text after the last line feed: {:?}",
        m.text()
    );
    m.out
}

#[test]
fn decoder_reads_styles_and_modes() {
    let mut bytes = b"\x1b@\x1bt\x13\x1c.Ab\xe1\n\x1b\x61\x01\x1b\x45\x01\x1d\x21\x11".to_vec();
    bytes.extend(b"\x1c&\xb6\xa9 1\x1bd\x02\x1dVA\x00");
    assert_eq!(
        decode(&bytes, 12),
        ["    |Abß", "2x2B|  订 1", "", "--- cut ---"]
    );
}
