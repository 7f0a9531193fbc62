//! Column arithmetic for monospaced printer fonts: a CJK character takes
//! two columns, a combining mark none.

use unicode_width::UnicodeWidthChar;

pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Turns control characters into spaces and trims. Names come from a
/// product catalogue: an ESC or LF inside one would otherwise reach the
/// printer as a command or break the column layout.
pub fn clean(s: &str) -> String {
    let replaced: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    replaced.trim().to_owned()
}

/// Wraps `text` into lines of at most `first` columns for the first line
/// and `rest` for the others. Breaks at spaces where it can; a word too
/// long for a line, and any run containing CJK (which may break between
/// any two characters), is split between characters, never inside one.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    // A double-width character must always fit on an empty line.
    let (first, rest) = (first.max(2), rest.max(2));
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    let limit = |lines: &Vec<String>| if lines.is_empty() { first } else { rest };
    let new_line = |lines: &mut Vec<String>, cur: &mut String, cur_w: &mut usize| {
        lines.push(cur.trim_end().to_owned());
        cur.clear();
        *cur_w = 0;
    };

    for word in text.split_whitespace() {
        let ww = width(word);
        let sep = usize::from(!cur.is_empty());
        if cur_w + sep + ww <= limit(&lines) {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            cur_w += sep + ww;
            continue;
        }
        let has_wide = word.chars().any(|c| char_width(c) == 2);
        if !has_wide && ww <= rest && !cur.is_empty() {
            new_line(&mut lines, &mut cur, &mut cur_w);
            cur.push_str(word);
            cur_w = ww;
            continue;
        }
        if !cur.is_empty() {
            if cur_w + 1 < limit(&lines) {
                cur.push(' ');
                cur_w += 1;
            } else {
                new_line(&mut lines, &mut cur, &mut cur_w);
            }
        }
        for c in word.chars() {
            let cw = char_width(c);
            if cur_w + cw > limit(&lines) && cur_w > 0 {
                new_line(&mut lines, &mut cur, &mut cur_w);
            }
            cur.push(c);
            cur_w += cw;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur.trim_end().to_owned());
    }
    lines
}

/// `left`, spaces, `right` so that `right` ends at column `columns`.
pub fn spread(left: &str, right: &str, columns: usize) -> String {
    let gap = columns.saturating_sub(width(left) + width(right)).max(1);
    format!("{left}{}{right}", " ".repeat(gap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(width("Flat white"), 10);
        assert_eq!(width("燕麦拿铁"), 8);
        assert_eq!(width("£6.40 ×"), 7);
        assert_eq!(width("e\u{301}"), 1);
    }

    #[test]
    fn clean_removes_commands() {
        assert_eq!(clean(" Tea\x1b@\nbag\t"), "Tea @ bag");
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(
            wrap("Very long item name that wraps", 12, 12),
            ["Very long", "item name", "that wraps"]
        );
        assert_eq!(wrap("", 10, 10), [""]);
        assert_eq!(wrap("a  b", 10, 10), ["a b"]);
    }

    #[test]
    fn first_line_can_be_narrower() {
        assert_eq!(wrap("aaa bbb ccc", 4, 8), ["aaa", "bbb ccc"]);
    }

    #[test]
    fn long_words_are_split_between_characters() {
        assert_eq!(
            wrap("Ref: cs_live_0123456789", 10, 10),
            ["Ref: cs_li", "ve_0123456", "789"]
        );
    }

    #[test]
    fn cjk_breaks_anywhere_but_never_inside_a_character() {
        let lines = wrap("超大杯燕麦拿铁加浓", 7, 7);
        assert_eq!(lines, ["超大杯", "燕麦拿", "铁加浓"]);
        assert!(lines.iter().all(|l| width(l) <= 7));
        assert_eq!(wrap("Tea 绿茶", 6, 6), ["Tea 绿", "茶"]);
    }

    #[test]
    fn spread_right_aligns() {
        assert_eq!(spread("Tip", "£1.00", 12), "Tip    £1.00");
        assert_eq!(spread("订单", "¥1", 8), "订单  ¥1");
        assert_eq!(spread("toolong", "1", 5), "toolong 1");
    }
}
