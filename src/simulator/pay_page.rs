//! The hosted pay page a customer's phone opens from the QR code: items, total, Pay and Decline.

use std::sync::Arc;

use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::{SessionAction, Shared};

#[derive(serde::Deserialize)]
pub struct KeyQuery {
    key: Option<String>,
}

fn session_id(page_id: &str) -> Option<String> {
    page_id
        .strip_prefix("cs_test_")
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .map(|d| format!("cs_{d}"))
}

pub async fn show(
    State(shared): State<Arc<Shared>>,
    Path(page_id): Path<String>,
    Query(query): Query<KeyQuery>,
) -> Response {
    if query.key.as_deref() != Some(shared.publishable_key.as_str()) {
        return page(
            StatusCode::FORBIDDEN,
            "Link not valid",
            "<p class=note>This payment link is missing its key or the key is wrong.</p>",
        );
    }
    let Some((session, intent)) =
        session_id(&page_id).and_then(|id| shared.store().session_with_intent(&id))
    else {
        return page(
            StatusCode::NOT_FOUND,
            "Payment not found",
            "<p class=note>No payment exists for this link.</p>",
        );
    };
    let currency = session["currency"].as_str().unwrap_or_default();
    let mut rows = String::new();
    for item in session["line_items"]["data"]
        .as_array()
        .into_iter()
        .flatten()
    {
        rows.push_str(&format!(
            "<tr><td>{} × {}</td><td class=amt>{}</td></tr>",
            item["quantity"].as_i64().unwrap_or(0),
            escape(item["description"].as_str().unwrap_or("Item")),
            format_amount(item["amount_total"].as_i64().unwrap_or(0), currency)
        ));
    }
    let total = format_amount(session["amount_total"].as_i64().unwrap_or(0), currency);
    let state = match (
        session["status"].as_str(),
        session["payment_status"].as_str(),
    ) {
        (_, Some("paid")) => {
            "<p class='state ok'>Paid — thank you. You can return to the kiosk.</p>".to_owned()
        }
        (Some("expired"), _) => {
            "<p class='state bad'>This payment has expired. Ask at the counter for a new code.</p>"
                .to_owned()
        }
        (Some("open"), _) => {
            let declined = if intent["status"] == "failed" {
                "<p class='state bad'>Your last attempt was declined. You can try again.</p>"
            } else {
                ""
            };
            let key = escape(&shared.publishable_key);
            format!(
                "{declined}<form method=post action='/pay/{page}/pay'><input type=hidden name=key value='{key}'>\
                 <button class=pay>Pay {total}</button></form>\
                 <form method=post action='/pay/{page}/decline'><input type=hidden name=key value='{key}'>\
                 <button class=decline>Decline</button></form>",
                page = escape(&page_id)
            )
        }
        (other, _) => format!(
            "<p class=state>Status: {}</p>",
            escape(other.unwrap_or("unknown"))
        ),
    };
    let body = format!(
        "<table>{rows}<tr class=total><td>Total</td><td class=amt>{total}</td></tr></table>{state}"
    );
    page(StatusCode::OK, "Pay WooshPay simulator", &body)
}

pub async fn act(
    State(shared): State<Arc<Shared>>,
    Path((page_id, action)): Path<(String, String)>,
    RawForm(form): RawForm,
) -> Response {
    let key = url::form_urlencoded::parse(&form)
        .find(|(k, _)| k == "key")
        .map(|(_, v)| v.into_owned());
    if key.as_deref() != Some(shared.publishable_key.as_str()) {
        return page(
            StatusCode::FORBIDDEN,
            "Link not valid",
            "<p class=note>The payment key is wrong.</p>",
        );
    }
    let action = match action.as_str() {
        "pay" => SessionAction::Pay,
        "decline" => SessionAction::Decline,
        _ => {
            return page(
                StatusCode::NOT_FOUND,
                "Not found",
                "<p class=note>Unknown action.</p>",
            );
        }
    };
    let Some(id) = session_id(&page_id) else {
        return page(
            StatusCode::NOT_FOUND,
            "Payment not found",
            "<p class=note>No payment exists for this link.</p>",
        );
    };
    let result = shared.store().apply(&id, action);
    match (result, action) {
        (Ok(()), SessionAction::Pay) => page(
            StatusCode::OK,
            "Payment successful",
            "<p class='state ok'>Payment successful — you can return to the kiosk.</p>",
        ),
        (Ok(()), _) => page(
            StatusCode::OK,
            "Payment declined",
            "<p class='state bad'>Payment declined.</p>",
        ),
        (Err(error), _) => page(
            StatusCode::CONFLICT,
            "Payment not possible",
            &format!("<p class='state bad'>{}</p>", escape(&error.to_string())),
        ),
    }
}

pub async fn thanks() -> Response {
    page(
        StatusCode::OK,
        "Thank you",
        "<p class='state ok'>Thank you. You can return to the kiosk.</p>",
    )
}

pub async fn cancelled() -> Response {
    page(
        StatusCode::OK,
        "Payment cancelled",
        "<p class=state>The payment was cancelled.</p>",
    )
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content='width=device-width, initial-scale=1'><title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:0 auto;max-width:28rem;padding:1rem;font-size:1.2rem;color:#111}}\
         h1{{font-size:1.5rem}} .test{{background:#fde68a;padding:.5rem;border-radius:.4rem;font-weight:bold;text-align:center}}\
         table{{width:100%;border-collapse:collapse;margin:1rem 0}} td{{padding:.4rem 0;border-bottom:1px solid #ddd}}\
         .amt{{text-align:right;white-space:nowrap}} .total td{{font-weight:bold;font-size:1.4rem;border:0}}\
         button{{width:100%;font-size:1.4rem;padding:1rem;margin:.4rem 0;border-radius:.6rem;border:0}}\
         .pay{{background:#15803d;color:#fff}} .decline{{background:#e5e7eb;color:#111}}\
         .state{{font-size:1.3rem;padding:.8rem;border-radius:.4rem;background:#f3f4f6}} .ok{{background:#dcfce7}} .bad{{background:#fee2e2}}\
         </style></head><body><h1>WooshPay simulator</h1><p class=test>TEST MODE — no real money</p>{body}</body></html>",
        title = escape(title)
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// ISO 4217 minor-unit exponents, enough for a demo page (the simulator stands alone from the kiosk's code).
fn exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

pub(crate) fn format_amount(amount: i64, currency: &str) -> String {
    let exp = exponent(currency);
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let number = if exp == 0 {
        abs.to_string()
    } else {
        let div = 10u64.pow(exp);
        format!("{}.{:0w$}", abs / div, abs % div, w = exp as usize)
    };
    let symbol = match currency {
        "GBP" => Some("£"),
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "JPY" => Some("¥"),
        _ => None,
    };
    match symbol {
        Some(s) => format!("{sign}{s}{number}"),
        None => format!("{sign}{currency} {number}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_follow_iso_exponents() {
        assert_eq!(format_amount(955, "GBP"), "£9.55");
        assert_eq!(format_amount(500, "JPY"), "¥500");
        assert_eq!(format_amount(3125, "KWD"), "KWD 3.125");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<b>'x'&\"y\""),
            "&lt;b&gt;&#39;x&#39;&amp;&quot;y&quot;"
        );
    }

    #[test]
    fn page_ids_map_to_session_ids() {
        assert_eq!(session_id("cs_test_123").as_deref(), Some("cs_123"));
        assert_eq!(session_id("cs_123"), None);
        assert_eq!(session_id("cs_test_12a"), None);
    }
}
