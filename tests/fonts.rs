//! The built-in fonts (`ui/fonts/`, a subset of DejaVu Sans made by `scripts/subset-fonts.sh`) must draw every
//! character the kiosk itself writes: the screens' texts, the German translation, the currency signs it puts in
//! front of amounts, the names in the sample catalog. A character missing from the subset would fall back to a
//! system font, or to an empty box on a system without one. Chinese is drawn with the system's CJK font
//! (the package recommends one), so CJK characters are left out here.

use std::collections::BTreeSet;
use std::path::Path;

const FONTS: [&str; 2] = ["ui/fonts/DejaVuSans.ttf", "ui/fonts/DejaVuSans-Bold.ttf"];

fn is_cjk(c: char) -> bool {
    matches!(u32::from(c), 0x3000..=0x303F | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF)
}

/// Every non-CJK, non-control character in the files under `dir` ending in `extension`.
fn characters_in(dir: &Path, extension: &str, into: &mut BTreeSet<char>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            characters_in(&path, extension, into);
        } else if path.extension().is_some_and(|e| e == extension) {
            let text = std::fs::read_to_string(&path).unwrap();
            into.extend(text.chars().filter(|c| !c.is_control() && !is_cjk(*c)));
        }
    }
}

fn missing_from(font: &str, wanted: &BTreeSet<char>) -> String {
    let data = std::fs::read(font).unwrap_or_else(|e| panic!("{font}: {e}"));
    let face = ttf_parser::Face::parse(&data, 0).unwrap_or_else(|e| panic!("{font}: {e}"));
    wanted
        .iter()
        .filter(|c| face.glyph_index(**c).is_none())
        .collect()
}

#[test]
fn the_built_in_fonts_draw_every_character_the_kiosk_writes() {
    let mut wanted = BTreeSet::new();
    characters_in(Path::new("ui"), "slint", &mut wanted);
    characters_in(Path::new("lang"), "po", &mut wanted);
    characters_in(Path::new("src"), "rs", &mut wanted);
    // The signs money.rs writes in front of amounts, and the letters of the languages a shop's catalog is
    // most likely written in.
    wanted.extend("£$€¥₹₩₪₺₱₫₴₦฿".chars());
    wanted.extend("ÀÂÆÇÈÉÊËÎÏÔŒÙÛÜŸàâæçèéêëîïôœùûüÿÄÖäößÁÍÑÓÚáíñóúĄĆĘŁŃŚŹŻąćęłńśźżČŠŽčšžŐŰőűĞİŞğışАБВЖЯабвжяЁёΑΒΓαβγ".chars());
    assert!(wanted.len() > 100, "the scan found the kiosk's texts");
    for font in FONTS {
        assert_eq!(
            missing_from(font, &wanted),
            "",
            "{font} lacks these characters"
        );
    }
}

#[test]
fn the_check_notices_a_missing_character() {
    // Armenian is outside the subset: the full DejaVu Sans has it, ours does not.
    let armenian: BTreeSet<char> = "Ա".chars().collect();
    assert_eq!(missing_from(FONTS[0], &armenian), "Ա");
}
