//! The session URL, verbatim, as a QR code: a pixel buffer for the screen and text for a terminal.

use image::{GrayImage, Luma};
use qrcode::render::unicode::Dense1x2;
use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode};

/// Modules of light border on every side, as the QR standard asks for.
pub const QUIET_ZONE_MODULES: u32 = 4;

#[derive(Debug, thiserror::Error)]
#[error("the payment URL ({len} bytes) is too long for a QR code: {source}")]
pub struct QrEncodeError {
    len: usize,
    source: QrError,
}

/// Error correction M (15 % damage tolerated: smudged screens, glare), dropping to L only when the URL is too
/// long for M.
pub fn encode(url: &str) -> Result<QrCode, QrEncodeError> {
    match QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M) {
        Err(QrError::DataTooLong) => {
            QrCode::with_error_correction_level(url.as_bytes(), EcLevel::L)
        }
        other => other,
    }
    .map_err(|source| QrEncodeError {
        len: url.len(),
        source,
    })
}

/// The widest code (in modules, without the quiet zone) the kiosk offers: version 20. At 800×480 the code gets
/// about 340 px, so three or more pixels a module, which phone cameras read from arm's length; anything larger is
/// a URL no customer can scan, and its session is closed instead of shown.
pub const MAX_SCANNABLE_WIDTH: usize = 97;

/// Whether a session's URL can be offered as a QR code: an http(s) URL whose code fits [`MAX_SCANNABLE_WIDTH`].
pub fn check_scannable(url: &str) -> Result<(), String> {
    let scheme_ok = url
        .get(..8)
        .is_some_and(|start| start.eq_ignore_ascii_case("https://"))
        || url
            .get(..7)
            .is_some_and(|start| start.eq_ignore_ascii_case("http://"));
    if !scheme_ok {
        let shown: String = url
            .chars()
            .take(40)
            .flat_map(char::escape_default)
            .collect();
        return Err(format!(
            "WooshPay's payment page URL is not http(s): {shown:?}"
        ));
    }
    let code = encode(url).map_err(|e| e.to_string())?;
    if code.width() > MAX_SCANNABLE_WIDTH {
        return Err(format!(
            "WooshPay's payment page URL ({} bytes) makes a QR code of {} modules, too dense to scan (at most {MAX_SCANNABLE_WIDTH})",
            url.len(),
            code.width()
        ));
    }
    Ok(())
}

/// One pixel per module, black on white, with the quiet zone; the UI scales it up with nearest-neighbour.
pub fn raster(code: &QrCode) -> GrayImage {
    code.render::<Luma<u8>>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .dark_color(Luma([0]))
        .light_color(Luma([255]))
        .build()
}

/// Half-block characters, two modules per character cell, dark modules as `█` on a light background.
/// On a terminal, wrap the lines in [`ansi_black_on_white`]: a light-on-dark terminal would otherwise show the
/// code inverted, which many phone cameras do not read.
pub fn terminal_text(code: &QrCode) -> String {
    code.render::<Dense1x2>()
        .dark_color(Dense1x2::Dark)
        .light_color(Dense1x2::Light)
        .quiet_zone(true)
        .build()
}

/// Forces black modules on a white background whatever the terminal's colours.
pub fn ansi_black_on_white(text: &str) -> String {
    text.lines()
        .map(|line| format!("\x1b[30;107m{line}\x1b[0m\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_that_make_a_scannable_code_are_offered() {
        assert!(
            check_scannable("https://pay.example/cs_test_1580071142008291328?key=pk_test_abc")
                .is_ok()
        );
        assert!(check_scannable("http://127.0.0.1:8787/pay/cs_test_1").is_ok());
        assert!(
            check_scannable("ftp://pay.example/cs_1")
                .unwrap_err()
                .contains("not http(s)")
        );
        assert!(check_scannable("javascript:alert(1)").is_err());
        let dense = format!("https://pay.example/{}", "x".repeat(1_000));
        assert!(check_scannable(&dense).unwrap_err().contains("too dense"));
        let long = format!("https://pay.example/{}", "x".repeat(3_000));
        assert!(check_scannable(&long).is_err());
    }

    fn decode(image: &GrayImage) -> String {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            image.width() as usize,
            image.height() as usize,
            |x, y| image.get_pixel(x as u32, y as u32).0[0],
        );
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "exactly one QR code in the image");
        grids[0].decode().expect("decodes").1
    }

    fn upscale(image: &GrayImage, factor: u32) -> GrayImage {
        image::imageops::resize(
            image,
            image.width() * factor,
            image.height() * factor,
            image::imageops::FilterType::Nearest,
        )
    }

    #[test]
    fn round_trips_a_real_session_url_verbatim() {
        let url = "https://checkouttest.wooshpay.com/pay/cs_test_1580071142008291328?key=pk_test_dGVzdDpXWUg1eUF4OXZpUUF4UHNoYmdRRjVTTTE=";
        let code = encode(url).unwrap();
        assert_eq!(code.error_correction_level(), EcLevel::M);
        let image = raster(&code);
        let modules = code.width() as u32;
        assert_eq!(image.width(), modules + 2 * QUIET_ZONE_MODULES);
        // The quiet zone is light all round.
        assert!(
            (0..image.width())
                .all(|x| image.get_pixel(x, 0).0[0] == 255 && image.get_pixel(0, x).0[0] == 255)
        );
        assert_eq!(decode(&upscale(&image, 4)), url);
    }

    #[test]
    fn long_urls_drop_to_level_l_and_absurd_ones_error() {
        let long = format!("https://pay.example/{}", "a".repeat(2500));
        assert_eq!(encode(&long).unwrap().error_correction_level(), EcLevel::L);
        assert!(encode(&"x".repeat(5000)).is_err());
    }

    #[test]
    fn the_terminal_rendering_decodes_to_the_url() {
        let url = "https://pay.example/pay/cs_test_1580071142008291328?key=pk_test_abc";
        let text = terminal_text(&encode(url).unwrap());
        let rows: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        let width = rows[0].len() as u32;
        let image = GrayImage::from_fn(width, rows.len() as u32 * 2, |x, y| {
            let cell = rows[(y / 2) as usize][x as usize];
            let dark = match cell {
                '█' => true,
                '▀' => y % 2 == 0,
                '▄' => y % 2 == 1,
                _ => false,
            };
            Luma([if dark { 0 } else { 255 }])
        });
        assert_eq!(decode(&upscale(&image, 4)), url);
    }

    #[test]
    fn terminal_rendering_has_one_line_per_two_module_rows() {
        let code = encode("https://pay.example/cs_test_1").unwrap();
        let text = terminal_text(&code);
        let rows = code.width() + 2 * QUIET_ZONE_MODULES as usize;
        assert_eq!(text.lines().count(), rows.div_ceil(2));
        assert!(text.contains('█') || text.contains('▀') || text.contains('▄'));
    }
}
