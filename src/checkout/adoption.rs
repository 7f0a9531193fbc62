//! Whether a session WooshPay returned is this sale's, before it is journalled or shown: a gateway that
//! redirects, replays the wrong answer or mixes up kiosks must never make somebody else's (paid) session look
//! like this sale's.

use crate::money::{Currency, Money};
use crate::wooshpay::{CheckoutSession, SessionPaymentStatus, SessionStatus};

/// What this kiosk sent for the sale.
#[derive(Clone, Debug)]
pub struct Expected<'a> {
    pub client_reference_id: &'a str,
    pub kiosk_id: &'a str,
    pub total: Money,
}

/// How the session was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Creation {
    /// The answer to a first create: the session must be new, open and unpaid.
    First,
    /// The answer to a replay of our own create (same key, same body): it may be paid already, by this sale.
    Replay,
}

/// `Err` names the first field that differs, what it held and what was expected.
pub fn check(
    session: &CheckoutSession,
    expected: &Expected<'_>,
    creation: Creation,
) -> Result<(), String> {
    let differs = |field: &str, found: String, wanted: String| {
        Err(format!(
            "WooshPay's answer is not this sale's session {}: {field} is {found}, expected {wanted}",
            session.id
        ))
    };
    let shown =
        |value: Option<&str>| value.map_or_else(|| "missing".to_owned(), |v| format!("{v:?}"));
    if session.client_reference_id.as_deref() != Some(expected.client_reference_id) {
        return differs(
            "client_reference_id",
            shown(session.client_reference_id.as_deref()),
            format!("{:?}", expected.client_reference_id),
        );
    }
    let kiosk = session
        .metadata
        .as_ref()
        .and_then(|m| m.get("kiosk_id"))
        .and_then(|v| v.as_str());
    if kiosk != Some(expected.kiosk_id) {
        return differs(
            "metadata.kiosk_id",
            shown(kiosk),
            format!("{:?}", expected.kiosk_id),
        );
    }
    if session.amount_total != Some(expected.total.minor_units) {
        return differs(
            "amount_total",
            session
                .amount_total
                .map_or_else(|| "missing".to_owned(), |a| a.to_string()),
            expected.total.minor_units.to_string(),
        );
    }
    let currency = session.currency.as_deref();
    if currency.and_then(|c| Currency::from_code_any_case(c).ok()) != Some(expected.total.currency)
    {
        return differs(
            "currency",
            shown(currency),
            expected.total.currency.code().to_owned(),
        );
    }
    if creation == Creation::First {
        if session.status != Some(SessionStatus::Open) {
            return differs(
                "status",
                format!("{:?}", session.status),
                "open for a new session".into(),
            );
        }
        if session.payment_status != Some(SessionPaymentStatus::Unpaid) {
            return differs(
                "payment_status",
                format!("{:?}", session.payment_status),
                "unpaid for a new session".into(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(fields: serde_json::Value) -> CheckoutSession {
        let mut base = serde_json::json!({
            "id": "cs_1", "status": "open", "payment_status": "unpaid", "url": "https://p.example/cs_1",
            "amount_total": 340, "currency": "GBP", "client_reference_id": "front-k7q2-1",
            "metadata": {"kiosk_id": "front"},
        });
        for (k, v) in fields.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    fn expected() -> Expected<'static> {
        Expected {
            client_reference_id: "front-k7q2-1",
            kiosk_id: "front",
            total: Money::new(340, Currency::from_code("GBP").unwrap()),
        }
    }

    #[test]
    fn only_this_sales_session_is_adopted() {
        assert_eq!(
            check(
                &session(serde_json::json!({})),
                &expected(),
                Creation::First
            ),
            Ok(())
        );
        for (fields, field) in [
            (
                serde_json::json!({"client_reference_id": "front-k7q2-2"}),
                "client_reference_id",
            ),
            (
                serde_json::json!({"client_reference_id": null}),
                "client_reference_id",
            ),
            (
                serde_json::json!({"metadata": {"kiosk_id": "back"}}),
                "metadata.kiosk_id",
            ),
            (serde_json::json!({"metadata": null}), "metadata.kiosk_id"),
            (serde_json::json!({"amount_total": 341}), "amount_total"),
            (serde_json::json!({"currency": "EUR"}), "currency"),
            (
                serde_json::json!({"payment_status": "paid"}),
                "payment_status",
            ),
            (serde_json::json!({"status": "complete"}), "status"),
        ] {
            let error = check(&session(fields.clone()), &expected(), Creation::First).unwrap_err();
            assert!(
                error.contains(&format!(": {field} is")),
                "{fields}: {error}"
            );
        }
        // Our own replayed create may already be paid, by this sale.
        let paid = session(serde_json::json!({"status": "complete", "payment_status": "paid"}));
        assert_eq!(check(&paid, &expected(), Creation::Replay), Ok(()));
        assert_eq!(
            check(
                &session(serde_json::json!({"currency": "gbp"})),
                &expected(),
                Creation::First
            ),
            Ok(())
        );
    }
}
