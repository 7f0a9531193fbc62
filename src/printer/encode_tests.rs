use super::*;

fn doc(text: &str) -> Document {
    Document {
        columns: 32,
        blocks: vec![Block::Text {
            text: text.into(),
            bold: false,
            size: Size::Normal,
            align: Align::Left,
        }],
    }
}

/// ESC @, ESC t 19, FS .
const PROLOGUE: &[u8] = &[0x1B, b'@', 0x1B, b't', 19, 0x1C, b'.'];
/// ESC d 1
const NEWLINE: &[u8] = &[0x1B, b'd', 1];

#[test]
fn latin_uses_pc858() {
    let bytes = encode(&doc("£€äöüß×¥ ÄÖÜ")).unwrap();
    let mut want = PROLOGUE.to_vec();
    want.extend([0x9C, 0xD5, 0x84, 0x94, 0x81, 0xE1, 0x9E, 0xBE, b' ']);
    want.extend([0x8E, 0x99, 0x9A]);
    want.extend(NEWLINE);
    assert_eq!(bytes, want);
}

#[test]
fn chinese_switches_modes_around_latin() {
    let bytes = encode(&doc("订单 42 £1 合计")).unwrap();
    let mut want = PROLOGUE.to_vec();
    want.extend(FS_CHINESE_ON);
    want.extend([0xB6, 0xA9, 0xB5, 0xA5]);
    want.extend(b" 42 ");
    want.extend(FS_CHINESE_OFF);
    want.extend([0x9C]);
    want.extend(b"1 ");
    want.extend(FS_CHINESE_ON);
    want.extend([0xBA, 0xCF, 0xBC, 0xC6]);
    want.extend(NEWLINE);
    assert_eq!(bytes, want);
}

#[test]
fn unprintable_characters_keep_their_width() {
    let bytes = encode(&doc("a\u{3b1}®\u{1F600}e\u{301}\x1b")).unwrap();
    let mut want = PROLOGUE.to_vec();
    want.extend(b"a??");
    want.extend(FS_CHINESE_ON);
    want.extend([0xA3, 0xBF]);
    want.extend(b"e");
    want.extend(NEWLINE);
    assert_eq!(bytes, want);
}

#[test]
fn styles_are_sent_only_when_they_change() {
    let mut d = doc("A");
    d.blocks.push(Block::Text {
        text: "B".into(),
        bold: true,
        size: Size::Large,
        align: Align::Center,
    });
    d.blocks.push(Block::Rule);
    d.blocks.push(Block::Cut);
    let bytes = encode(&d).unwrap();
    let mut want = PROLOGUE.to_vec();
    want.extend(b"A");
    want.extend(NEWLINE);
    want.extend([0x1B, b'E', 1, 0x1D, b'!', 0x11, 0x1B, b'a', 1, b'B']);
    want.extend(NEWLINE);
    want.extend([0x1B, b'E', 0, 0x1D, b'!', 0, 0x1B, b'a', 0]);
    want.extend([b'-'; 32]);
    want.extend(NEWLINE);
    want.extend([0x1D, b'V', b'A', 0]);
    assert_eq!(bytes, want);
}
