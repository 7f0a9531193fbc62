//! The only place engine types become Slint types.

use slint::{Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel};

use super::{CartLine, CatalogTile, ResultKind};
use crate::catalog::{Catalog, CatalogItem};
use crate::checkout::{Cart, FailureReason, Outcome};
use crate::money::Money;

/// Category tabs in the order categories first appear; items without one are listed under "Other".
pub fn categories(catalog: &Catalog) -> Vec<String> {
    if catalog.items.iter().all(|item| item.category.is_none()) {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    for item in &catalog.items {
        let name = category_of(item);
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

fn category_of(item: &CatalogItem) -> &str {
    item.category.as_deref().unwrap_or("Other")
}

pub fn tiles(catalog: &Catalog, category: Option<&str>) -> ModelRc<CatalogTile> {
    let tiles: Vec<CatalogTile> = catalog
        .items
        .iter()
        .filter(|item| category.is_none_or(|c| category_of(item) == c))
        .map(|item| {
            let image = item
                .image
                .as_deref()
                .and_then(|path| Image::load_from_path(path).ok());
            CatalogTile {
                id: item.id.as_str().into(),
                name: item.name.as_str().into(),
                price: catalog.price_of(item).to_string().into(),
                has_image: image.is_some(),
                image: image.unwrap_or_default(),
            }
        })
        .collect();
    ModelRc::new(VecModel::from(tiles))
}

pub fn cart_lines(cart: &Cart, catalog: &Catalog) -> ModelRc<CartLine> {
    let lines: Vec<CartLine> = cart
        .lines()
        .iter()
        .filter_map(|(id, quantity)| {
            let item = catalog.item(id)?;
            let amount = Money::new(
                item.unit_amount.saturating_mul(i64::from(*quantity)),
                catalog.currency,
            );
            Some(CartLine {
                id: id.as_str().into(),
                name: item.name.as_str().into(),
                quantity: i32::try_from(*quantity).unwrap_or(i32::MAX),
                amount: amount.to_string().into(),
            })
        })
        .collect();
    ModelRc::new(VecModel::from(lines))
}

/// "Charge £12.50": the button always names the amount it will charge.
pub fn charge_label(total: Money) -> SharedString {
    format!("Charge {total}").into()
}

/// `m:ss` for the payment countdown.
pub fn countdown(remaining: std::time::Duration) -> SharedString {
    let seconds = remaining.as_secs();
    format!("{}:{:02}", seconds / 60, seconds % 60).into()
}

/// The QR raster (built off the UI thread) as RGB pixels the UI can show.
pub fn qr_pixels(gray: &image::GrayImage) -> SharedPixelBuffer<Rgb8Pixel> {
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(gray.width(), gray.height());
    for (pixel, value) in buffer.make_mut_slice().iter_mut().zip(gray.pixels()) {
        let v = value.0[0];
        *pixel = Rgb8Pixel { r: v, g: v, b: v };
    }
    buffer
}

pub struct ResultText {
    pub kind: ResultKind,
    pub title: String,
    pub detail: String,
}

/// The catalog screen's notice: why new sales are paused, and since when WooshPay has not answered.
pub fn gateway_notice(offline: bool, last_contact_ms: Option<i64>, unconfirmed: usize) -> String {
    let mut notice = String::new();
    if offline {
        notice.push_str("WooshPay cannot be reached, so new sales are paused. ");
        notice.push_str(&match last_contact_ms
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        {
            Some(at) => format!(
                "Last contact {}.",
                at.to_zoned(jiff::tz::TimeZone::system())
                    .strftime("%H:%M:%S")
            ),
            None => "No contact since the kiosk started.".to_owned(),
        });
    }
    if unconfirmed > 0 {
        if !notice.is_empty() {
            notice.push(' ');
        }
        notice.push_str(&format!(
            "{unconfirmed} earlier sale(s) not yet confirmed with WooshPay; still checking."
        ));
    }
    notice
}

pub fn result_text(outcome: &Outcome) -> ResultText {
    let (kind, title, detail) = match outcome {
        Outcome::Paid { .. } => (ResultKind::Paid, "Paid", "Thank you".to_owned()),
        Outcome::Expired { by_kiosk: true, .. } => {
            (ResultKind::Expired, "Payment timed out", "Nothing was charged.".to_owned())
        }
        Outcome::Expired { by_kiosk: false, .. } => {
            (ResultKind::Expired, "Payment expired", "Nothing was charged.".to_owned())
        }
        Outcome::Cancelled { .. } => (ResultKind::Cancelled, "Cancelled", "Nothing was charged.".to_owned()),
        Outcome::Failed { reason: FailureReason::Declined(message), .. } => {
            (ResultKind::Declined, "Payment declined", format!("{message} Nothing was charged."))
        }
        Outcome::Failed { reason: FailureReason::Unconfirmed(_), .. } => (
            ResultKind::Unconfirmed,
            "Payment not confirmed",
            "WooshPay could not be reached to confirm this payment. Check the WooshPay dashboard before charging again."
                .to_owned(),
        ),
        Outcome::Failed { reason: FailureReason::CreateFailed(message) | FailureReason::Unusable(message), .. } => {
            (ResultKind::Failed, "Payment failed", message.clone())
        }
    };
    ResultText {
        kind,
        title: title.to_owned(),
        detail,
    }
}
