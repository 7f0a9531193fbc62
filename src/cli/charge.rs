//! `wooshpay-kiosk charge ITEM[=QTY]... [--json]`: a sale from a terminal.

use std::io::{IsTerminal, Write};

use clap::Args;
use serde_json::json;

use super::setup::Setup;
use super::{Cli, Failure, exit};
use crate::checkout::{CheckoutEvent, FailureReason, Order, Outcome, StartError};
use crate::money::Money;

#[derive(Args, Debug)]
pub struct ChargeArgs {
    /// Catalog item ids, each optionally with a quantity: `latte=2 croissant`
    #[arg(required = true, value_name = "ITEM[=QTY]")]
    pub items: Vec<String>,

    /// One JSON object per line on stdout, each with an `event` field
    #[arg(long)]
    pub json: bool,
}

/// How long a new `charge` spends settling sales an earlier run left pending before it starts its own.
const SETTLE_EARLIER_FOR: std::time::Duration = std::time::Duration::from_secs(15);

/// At most this many catalog ids in an error message; a long catalog is summarised.
const IDS_SHOWN: usize = 8;

/// A sold-out item, or more than is left, is refused before any session, naming the item and what is left.
fn refuse_what_stock_cannot_cover(
    engine: &crate::checkout::CheckoutEngine,
    order: &Order,
) -> Result<(), Failure> {
    let levels = engine
        .with_journal(|journal| journal.stock_levels())
        .map_err(|e| Failure::runtime(format!("cannot read stock from the journal: {e}")))?;
    let stock = crate::kiosk::Stock::new(levels);
    for line in &order.lines {
        if !stock.short_of(&line.item_id, line.quantity) {
            continue;
        }
        let item = super::terminal_safe(&line.item_id);
        return Err(Failure::usage(match stock.left(&line.item_id) {
            Some(0) | None => format!("{item} is sold out; nothing was charged"),
            Some(left) => format!(
                "{item}: only {left} left, {} asked for; nothing was charged",
                line.quantity
            ),
        }));
    }
    Ok(())
}

fn a_handful(ids: &[&str]) -> String {
    if ids.len() <= IDS_SHOWN {
        return ids.join(", ");
    }
    format!(
        "{}, … and {} more",
        ids[..IDS_SHOWN].join(", "),
        ids.len() - IDS_SHOWN
    )
}

pub async fn run(cli: &Cli, args: &ChargeArgs) -> Result<u8, Failure> {
    let quantities = parse_items(&args.items)?;
    let mut setup = Setup::from_cli(cli).await?;
    let order = Order::from_quantities(&setup.catalog, &quantities).map_err(|e| {
        let ids: Vec<&str> = setup.catalog.items.iter().map(|i| i.id.as_str()).collect();
        Failure::usage(format!(
            "{} (catalog items: {})",
            super::terminal_safe(&e.to_string()),
            super::terminal_safe(&a_handful(&ids))
        ))
    })?;
    let engine = setup.engine()?;
    // Sales left pending by an earlier run are settled first, for a bounded time and saying so; what cannot be
    // settled now stays for `recover` or the UI. Open ones are followed beside the new sale.
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let earlier = engine.unsettled_sales();
    let recovered = if earlier == 0 {
        Vec::new()
    } else {
        eprintln!(
            "settling {earlier} earlier sale{}…",
            if earlier == 1 { "" } else { "s" }
        );
        match tokio::time::timeout(SETTLE_EARLIER_FOR, engine.recover()).await {
            Ok(recovered) => recovered,
            Err(_) => {
                eprintln!(
                    "could not settle every earlier sale within {} s; starting the new sale (`wooshpay-kiosk recover` settles the rest)",
                    SETTLE_EARLIER_FOR.as_secs()
                );
                Vec::new()
            }
        }
    };
    let reporter = super::recover::Reporter { json: args.json };
    let recovery = {
        let engine = engine.clone();
        tokio::spawn(async move { reporter.settle_all(&engine, recovered, Some(stop)).await })
    };
    refuse_what_stock_cannot_cover(&engine, &order)?;
    let handle = engine.start_charge(order.clone()).map_err(|e| match e {
        StartError::Order(e) => Failure::usage(e.to_string()),
        other => Failure::runtime(other.to_string()),
    })?;
    let canceller = handle.canceller();
    let (mut events, _, task) = handle.into_parts();

    let signals = tokio::spawn(async move {
        wait_for_stop_signal().await;
        tracing::info!("stop requested: expiring the session before exiting");
        canceller.cancel();
        stop_tx.send_replace(true);
    });

    let mut printer = Printer {
        json: args.json,
        order: &order,
        last_status: None,
    };
    while let Some(event) = events.recv().await {
        printer.print(&event);
    }
    let outcome = task.await;
    if let Ok(still_pending @ 1..) = recovery.await {
        eprintln!(
            "warning: {still_pending} earlier sale(s) are still pending; `wooshpay-kiosk recover` settles them"
        );
    }
    signals.abort();
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            return Err(Failure::runtime(format!(
                "the sale stopped unexpectedly: {e}"
            )));
        }
    };
    Ok(exit_code(&outcome))
}

fn parse_items(items: &[String]) -> Result<Vec<(String, u32)>, Failure> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            None => Ok((item.clone(), 1)),
            // Digits only: `parse` would also take `+3`.
            Some((id, quantity)) => match quantity
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| quantity.parse::<u32>())
            {
                Some(Ok(q)) if q >= 1 => Ok((id.to_owned(), q)),
                _ => Err(Failure::usage(format!(
                    "{item:?}: the quantity after '=' must be a whole number of at least 1"
                ))),
            },
        })
        .collect()
}

pub fn exit_code(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Paid { .. } => exit::PAID,
        Outcome::Expired { .. } => exit::EXPIRED,
        Outcome::Cancelled { .. } => exit::CANCELLED,
        Outcome::Failed {
            reason: FailureReason::Declined(_),
            ..
        } => exit::DECLINED,
        Outcome::Failed { .. } => exit::RUNTIME_ERROR,
    }
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

struct Printer<'a> {
    json: bool,
    order: &'a Order,
    last_status: Option<String>,
}

impl Printer<'_> {
    fn print(&mut self, event: &CheckoutEvent) {
        if self.json {
            if let Some(line) = json_line(event, self.order) {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
        } else {
            self.print_human(event);
        }
    }

    fn print_human(&mut self, event: &CheckoutEvent) {
        let mut out = std::io::stdout().lock();
        match event {
            CheckoutEvent::Creating {
                client_reference_id,
                ..
            } => {
                let _ = writeln!(out, "Sale {client_reference_id}");
                for line in &self.order.lines {
                    let amount = Money::new(line.amount(), self.order.currency);
                    let name = super::terminal_safe(&line.name);
                    let _ = writeln!(out, "  {} × {name:<28} {amount:>10}", line.quantity);
                }
                let _ = writeln!(
                    out,
                    "  {:<32} {:>10}",
                    "Total",
                    self.order.total().to_string()
                );
            }
            CheckoutEvent::SessionCreated {
                id,
                url,
                timeout_ms,
                ..
            } => {
                let _ = writeln!(
                    out,
                    "\nScan to pay {} (session {id}):\n{url}\n",
                    self.order.total()
                );
                match crate::qr::encode(url) {
                    Ok(code) => {
                        let text = crate::qr::terminal_text(&code);
                        let text = if std::io::stdout().is_terminal() {
                            crate::qr::ansi_black_on_white(&text)
                        } else {
                            text
                        };
                        let _ = writeln!(out, "{text}");
                    }
                    Err(e) => {
                        let _ = writeln!(out, "(no QR code: {e})");
                    }
                }
                let _ = writeln!(
                    out,
                    "Waiting for payment; gives up after {} s. Ctrl-C cancels.",
                    timeout_ms / 1000
                );
            }
            CheckoutEvent::Status {
                status,
                payment_status,
                ..
            } => {
                let text = format!("{} / {}", enum_text(status), enum_text(payment_status));
                if self.last_status.as_deref() != Some(&text) {
                    let _ = writeln!(out, "status: {text}");
                    self.last_status = Some(text);
                }
            }
            CheckoutEvent::ConnectionLost { .. } => {
                let _ = writeln!(out, "Connection lost — still checking…");
            }
            CheckoutEvent::ConnectionRestored => {
                let _ = writeln!(out, "Connection restored.");
            }
            CheckoutEvent::Closing { id } => {
                let _ = writeln!(
                    out,
                    "Closing session {id} and confirming nobody paid meanwhile…"
                );
            }
            CheckoutEvent::Finished {
                outcome,
                order_number,
            } => {
                let total = self.order.total();
                let text = match outcome {
                    Outcome::Paid { session } => match order_number {
                        Some(number) => {
                            format!("PAID {total} (session {}, order {number})", session.id)
                        }
                        None => format!("PAID {total} (session {})", session.id),
                    },
                    Outcome::Expired {
                        session,
                        by_kiosk: true,
                    } => {
                        format!(
                            "Timed out: session {} expired, nothing was charged",
                            session.id
                        )
                    }
                    Outcome::Expired {
                        session,
                        by_kiosk: false,
                    } => {
                        format!(
                            "Expired at WooshPay: session {}, nothing was charged",
                            session.id
                        )
                    }
                    Outcome::Cancelled { session: Some(s) } => {
                        format!("Cancelled: session {} expired, nothing was charged", s.id)
                    }
                    Outcome::Cancelled { session: None } => {
                        "Cancelled before a session was created".to_owned()
                    }
                    Outcome::Failed {
                        reason: reason @ FailureReason::Unconfirmed(_),
                        ..
                    } => format!(
                        "OUTCOME UNKNOWN: {}. Check the WooshPay dashboard before charging this customer again.",
                        failure_message(reason)
                    ),
                    Outcome::Failed {
                        reason: reason @ FailureReason::Declined(_),
                        ..
                    } => {
                        format!("Declined: {}", failure_message(reason))
                    }
                    Outcome::Failed { reason, .. } => {
                        format!("Not charged: {}", failure_message(reason))
                    }
                };
                let _ = writeln!(out, "\n{text}");
            }
        }
        let _ = out.flush();
    }
}

fn json_line(event: &CheckoutEvent, order: &Order) -> Option<serde_json::Value> {
    Some(match event {
        CheckoutEvent::SessionCreated {
            id,
            url,
            amount_total,
            currency,
            timeout_ms,
        } => json!({
            "event": "session_created", "id": id, "url": url, "amount_total": amount_total,
            "currency": currency, "timeout_ms": timeout_ms,
        }),
        CheckoutEvent::Status {
            id,
            status,
            payment_status,
            payment_intent_status,
        } => json!({
            "event": "status", "id": id, "status": status, "payment_status": payment_status,
            "payment_intent_status": payment_intent_status,
        }),
        CheckoutEvent::ConnectionLost { message } => {
            json!({ "event": "connection_lost", "message": message })
        }
        CheckoutEvent::Finished {
            outcome,
            order_number,
        } => {
            let id = outcome.session().map(|s| s.id.clone());
            let total = order.total();
            let mut line = match outcome {
                Outcome::Paid { .. } => {
                    json!({ "event": "paid", "id": id, "order_number": order_number })
                }
                Outcome::Expired { by_kiosk, .. } => {
                    json!({ "event": "expired", "id": id, "by_kiosk": by_kiosk })
                }
                Outcome::Cancelled { .. } => json!({ "event": "cancelled", "id": id }),
                Outcome::Failed { reason, .. } => {
                    let kind = serde_json::to_value(reason)
                        .ok()
                        .and_then(|v| v.get("kind").cloned());
                    json!({ "event": "failed", "id": id, "reason": kind, "message": failure_message(reason) })
                }
            };
            line["amount_total"] = json!(total.minor_units);
            line["currency"] = json!(total.currency.code());
            line
        }
        CheckoutEvent::Creating { .. }
        | CheckoutEvent::ConnectionRestored
        | CheckoutEvent::Closing { .. } => return None,
    })
}

fn failure_message(reason: &FailureReason) -> String {
    match reason {
        FailureReason::CreateFailed(m) => format!("no checkout session could be created: {m}"),
        FailureReason::Declined(m) => format!("the payment was declined: {m}"),
        FailureReason::Unusable(m) => {
            format!("WooshPay's session could not be used and was closed: {m}")
        }
        FailureReason::Unconfirmed(m) => m.clone(),
    }
}

fn enum_text<T: serde::Serialize>(value: &Option<T>) -> String {
    match value {
        Some(v) => serde_json::to_value(v)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        None => "-".to_owned(),
    }
}
