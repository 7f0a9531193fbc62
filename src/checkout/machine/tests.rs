use super::*;
use crate::wooshpay::{PaymentIntentStatus, SessionPaymentStatus};

const SECOND: Duration = Duration::from_secs(1);
const MILLI: Duration = Duration::from_millis(1);

fn machine() -> PaymentMachine {
    let mut timing = Timing::new(2 * SECOND, 180 * SECOND);
    timing.close_grace = 60 * SECOND;
    PaymentMachine::new(timing)
}

fn session() -> SessionInfo {
    SessionInfo {
        id: "cs_1".into(),
        url: "https://pay.example/cs_test_1?key=pk_test_x".into(),
    }
}

fn open() -> Observation {
    Observation {
        status: Some(SessionStatus::Open),
        payment_status: Some(SessionPaymentStatus::Unpaid),
        intent_status: Some(PaymentIntentStatus::RequiresPaymentMethod),
        intent_error: None,
    }
}

fn paid() -> Observation {
    Observation {
        status: Some(SessionStatus::Complete),
        payment_status: Some(SessionPaymentStatus::Paid),
        intent_status: Some(PaymentIntentStatus::Succeeded),
        intent_error: None,
    }
}

fn expired() -> Observation {
    Observation {
        status: Some(SessionStatus::Expired),
        payment_status: Some(SessionPaymentStatus::Unpaid),
        intent_status: Some(PaymentIntentStatus::Canceled),
        intent_error: None,
    }
}

fn network_down() -> RequestFailure {
    RequestFailure {
        message: "connection refused".into(),
        refused: false,
    }
}

/// Starts a sale and creates its session at t = 0.
fn awaiting() -> PaymentMachine {
    let mut m = machine();
    assert_eq!(m.start(), Ok(Step::CreateSession));
    assert_eq!(
        m.on_created(Ok(session()), Duration::ZERO),
        Step::Wait { until: 6 * SECOND }
    );
    m
}

/// A poll that reads the session, and its intent only if the session cannot settle it.
fn poll_step() -> Step {
    Step::Poll {
        session_id: "cs_1".into(),
        intent: IntentRead::IfSessionUndecided,
    }
}

fn poll_with_intent() -> Step {
    Step::Poll {
        session_id: "cs_1".into(),
        intent: IntentRead::UnlessPaid,
    }
}

/// The polls of a sale created at t = 0 until `until`, each answered `open` at once: when, and what it read.
fn polls(m: &mut PaymentMachine, until: Duration) -> Vec<(Duration, Step)> {
    let mut polls = Vec::new();
    let mut step = Step::Wait { until: 6 * SECOND };
    while let Step::Wait { until: at } = step
        && at <= until
    {
        let poll = m.on_wake(at);
        assert!(matches!(poll, Step::Poll { .. }), "{poll:?}");
        polls.push((at, poll));
        step = m.on_poll(Ok(open()), at);
    }
    polls
}

#[test]
fn paid_after_a_few_polls() {
    let mut m = awaiting();
    assert_eq!(m.on_wake(6 * SECOND), poll_step());
    assert_eq!(
        m.on_poll(Ok(open()), 6 * SECOND),
        Step::Wait { until: 8 * SECOND }
    );
    assert_eq!(m.on_wake(8 * SECOND), poll_step());
    assert_eq!(
        m.on_poll(Ok(paid()), 8 * SECOND),
        Step::Finished(Outcome::Paid { session: session() })
    );
}

#[test]
fn a_succeeded_payment_intent_alone_counts_as_paid() {
    let mut m = awaiting();
    m.on_wake(6 * SECOND);
    let observation = Observation {
        intent_status: Some(PaymentIntentStatus::Succeeded),
        ..open()
    };
    assert!(matches!(
        m.on_poll(Ok(observation), 6 * SECOND),
        Step::Finished(Outcome::Paid { .. })
    ));
}

#[test]
fn complete_but_unpaid_and_unknown_statuses_keep_waiting() {
    let mut m = awaiting();
    let complete_unpaid = Observation {
        status: Some(SessionStatus::Complete),
        payment_status: Some(SessionPaymentStatus::Unpaid),
        intent_status: Some(PaymentIntentStatus::Processing),
        intent_error: None,
    };
    assert_eq!(
        m.on_poll(Ok(complete_unpaid), 6 * SECOND),
        Step::Wait { until: 8 * SECOND }
    );
    let unknown = Observation {
        status: Some(SessionStatus::Unknown),
        payment_status: Some(SessionPaymentStatus::Unknown),
        intent_status: Some(PaymentIntentStatus::Unknown),
        intent_error: None,
    };
    assert_eq!(
        m.on_poll(Ok(unknown), 8 * SECOND),
        Step::Wait { until: 10 * SECOND }
    );
    assert!(matches!(m.phase(), Phase::AwaitingPayment { .. }));
}

#[test]
fn provider_side_expiry_ends_the_sale() {
    let mut m = awaiting();
    let step = m.on_poll(Ok(expired()), 2 * SECOND);
    assert_eq!(
        step,
        Step::Finished(Outcome::Expired {
            session: session(),
            by_kiosk: false
        })
    );
}

#[test]
fn failing_polls_show_connection_lost_and_back_off() {
    let mut m = awaiting();
    assert_eq!(
        m.on_poll(Err(network_down()), 6 * SECOND),
        Step::Wait { until: 10 * SECOND }
    );
    assert!(m.connection_lost());
    assert_eq!(
        m.on_poll(Err(network_down()), 10 * SECOND),
        Step::Wait { until: 18 * SECOND }
    );
    assert_eq!(
        m.on_poll(Err(network_down()), 18 * SECOND),
        Step::Wait { until: 33 * SECOND }
    );
    // Capped at max_poll_backoff (15 s).
    assert_eq!(
        m.on_poll(Err(network_down()), 33 * SECOND),
        Step::Wait { until: 48 * SECOND }
    );
    // Answered again: back on the interval's grid.
    assert_eq!(
        m.on_poll(Ok(open()), 48 * SECOND + 300 * MILLI),
        Step::Wait { until: 50 * SECOND }
    );
    assert!(!m.connection_lost());
}

#[test]
fn kiosk_timeout_expires_then_rechecks() {
    let mut m = awaiting();
    // The last wait before the deadline is cut short to land exactly on it.
    assert_eq!(
        m.on_poll(Ok(open()), 179 * SECOND),
        Step::Wait {
            until: 180 * SECOND
        }
    );
    assert_eq!(
        m.on_wake(180 * SECOND),
        Step::Expire {
            session_id: "cs_1".into()
        }
    );
    assert_eq!(
        m.on_expired(Ok(expired()), 180 * SECOND),
        Step::Recheck {
            session_id: "cs_1".into()
        }
    );
    let step = m.on_recheck(Ok(expired()), 181 * SECOND);
    assert_eq!(
        step,
        Step::Finished(Outcome::Expired {
            session: session(),
            by_kiosk: true
        })
    );
}

#[test]
fn a_payment_landing_during_expire_is_reported_paid() {
    let mut m = awaiting();
    m.on_wake(180 * SECOND);
    // The expire is refused because the session is no longer open…
    let refused = RequestFailure {
        message: "session is not open (complete)".into(),
        refused: true,
    };
    assert_eq!(
        m.on_expired(Err(refused), 180 * SECOND),
        Step::Recheck {
            session_id: "cs_1".into()
        }
    );
    // …and the re-read shows the payment.
    assert_eq!(
        m.on_recheck(Ok(paid()), 181 * SECOND),
        Step::Finished(Outcome::Paid { session: session() })
    );
}

#[test]
fn staff_cancel_expires_the_session() {
    let mut m = awaiting();
    assert_eq!(
        m.on_cancel(10 * SECOND),
        Some(Step::Expire {
            session_id: "cs_1".into()
        })
    );
    m.on_expired(Ok(expired()), 10 * SECOND);
    let step = m.on_recheck(Ok(expired()), 10 * SECOND);
    assert_eq!(
        step,
        Step::Finished(Outcome::Cancelled {
            session: Some(session())
        })
    );
}

#[test]
fn cancel_during_create_closes_the_session_once_it_exists() {
    let mut m = machine();
    m.start().unwrap();
    assert_eq!(m.on_cancel(Duration::ZERO), None);
    assert_eq!(
        m.on_created(Ok(session()), SECOND),
        Step::Expire {
            session_id: "cs_1".into()
        }
    );

    let mut m = machine();
    m.start().unwrap();
    m.on_cancel(Duration::ZERO);
    assert_eq!(
        m.on_created(Err(network_down()), SECOND),
        Step::Finished(Outcome::Cancelled { session: None })
    );
}

#[test]
fn a_declined_payment_closes_the_session_and_reports_the_reason() {
    let mut m = awaiting();
    let declined = Observation {
        intent_status: Some(PaymentIntentStatus::Failed),
        intent_error: Some("Your card was declined.".into()),
        ..open()
    };
    assert_eq!(
        m.on_poll(Ok(declined), 2 * SECOND),
        Step::Expire {
            session_id: "cs_1".into()
        }
    );
    m.on_expired(Ok(expired()), 2 * SECOND);
    let step = m.on_recheck(Ok(expired()), 3 * SECOND);
    assert_eq!(
        step,
        Step::Finished(Outcome::Failed {
            session: Some(session()),
            reason: FailureReason::Declined("Your card was declined.".into())
        })
    );
}

#[test]
fn unreachable_gateway_while_closing_retries_then_reports_unconfirmed_never_expired() {
    let mut m = awaiting();
    m.on_wake(180 * SECOND);
    let mut now = 180 * SECOND;
    let mut step = m.on_expired(Err(network_down()), now);
    while let Step::Wait { until } = step {
        assert!(m.connection_lost());
        now = until;
        assert_eq!(
            m.on_wake(now),
            Step::Expire {
                session_id: "cs_1".into()
            }
        );
        step = m.on_expired(Err(network_down()), now);
    }
    assert_eq!(
        now,
        240 * SECOND,
        "gives up exactly at the end of the grace period"
    );
    assert!(matches!(
        step,
        Step::Finished(Outcome::Failed {
            reason: FailureReason::Unconfirmed(_),
            ..
        })
    ));
}

#[test]
fn a_session_still_open_after_expire_is_expired_again() {
    let mut m = awaiting();
    m.on_cancel(5 * SECOND);
    m.on_expired(Ok(open()), 5 * SECOND);
    let Step::Wait { until } = m.on_recheck(Ok(open()), 5 * SECOND) else {
        panic!("expected a wait")
    };
    assert_eq!(
        m.on_wake(until),
        Step::Expire {
            session_id: "cs_1".into()
        }
    );
}

#[test]
fn only_one_live_sale_at_a_time() {
    let mut m = awaiting();
    assert_eq!(m.start(), Err(AlreadyInProgress));
    m.on_poll(Ok(paid()), 2 * SECOND);
    assert_eq!(
        m.start(),
        Ok(Step::CreateSession),
        "a finished sale frees the machine"
    );
}

#[test]
fn a_failed_create_reports_the_reason_and_nothing_is_payable() {
    let mut m = machine();
    m.start().unwrap();
    let failure = RequestFailure {
        message: "WooshPay rejected the secret key".into(),
        refused: true,
    };
    let step = m.on_created(Err(failure), SECOND);
    assert_eq!(
        step,
        Step::Finished(Outcome::Failed {
            session: None,
            reason: FailureReason::CreateFailed("WooshPay rejected the secret key".into())
        })
    );
}

#[test]
fn a_resumed_session_is_read_at_once_and_waits_only_for_the_time_left() {
    let mut m = machine();
    assert_eq!(
        m.resume(session(), 30 * SECOND, Duration::ZERO),
        Ok(poll_with_intent()),
        "nothing is known about it yet: the first read includes the payment intent"
    );
    assert_eq!(m.deadline(), Some(30 * SECOND));
    assert_eq!(
        m.on_poll(Ok(open()), Duration::ZERO),
        Step::Wait { until: 2 * SECOND }
    );
    assert_eq!(
        m.on_poll(Ok(paid()), 3 * SECOND),
        Step::Finished(Outcome::Paid { session: session() })
    );
}

#[test]
fn a_resumed_session_past_the_timeout_is_closed_after_one_read() {
    let mut m = machine();
    assert_eq!(
        m.resume(session(), Duration::ZERO, Duration::ZERO),
        Ok(poll_with_intent())
    );
    assert_eq!(
        m.on_poll(Ok(open()), Duration::ZERO),
        Step::Expire {
            session_id: "cs_1".into()
        }
    );
    assert_eq!(
        m.resume(session(), SECOND, Duration::ZERO),
        Err(AlreadyInProgress),
        "one sale per machine"
    );
}

// Issue 22, point 5: half the requests per payment, "paid" on screen no later than before.

#[test]
fn polls_fall_on_the_interval_grid_from_6_s_and_every_2_intervals_after_a_minute() {
    let mut m = awaiting();
    let seconds: Vec<u64> = polls(&mut m, 80 * SECOND)
        .iter()
        .map(|(at, _)| at.as_secs())
        .collect();
    // Before: every 2 s from 2 s on. Every one of those instants from 6 s to a minute is still polled, so a
    // payment in that window reaches the screen no later than it did.
    let mut expected: Vec<u64> = (6..=60).step_by(2).collect();
    expected.extend((64..=80).step_by(4));
    assert_eq!(seconds, expected);
}

#[test]
fn a_slow_answer_does_not_push_the_schedule_back() {
    let mut m = awaiting();
    m.on_wake(6 * SECOND);
    assert_eq!(
        m.on_poll(Ok(open()), 7 * SECOND + 900 * MILLI),
        Step::Wait { until: 8 * SECOND }
    );
    m.on_wake(8 * SECOND);
    // An answer later than a whole interval skips the instant it missed, not the rhythm.
    assert_eq!(
        m.on_poll(Ok(open()), 10 * SECOND + 500 * MILLI),
        Step::Wait { until: 12 * SECOND }
    );
}

#[test]
fn the_first_poll_waits_6_s_or_3_intervals_and_lands_on_the_grid() {
    for (interval_ms, first_ms) in [(100, 300), (250, 750), (2_000, 6_000), (10_000, 10_000)] {
        let mut m = PaymentMachine::new(Timing::new(
            Duration::from_millis(interval_ms),
            180 * SECOND,
        ));
        m.start().unwrap();
        assert_eq!(
            m.on_created(Ok(session()), SECOND),
            Step::Wait {
                until: SECOND + Duration::from_millis(first_ms)
            },
            "poll_interval_ms = {interval_ms}"
        );
    }
}

#[test]
fn every_tenth_poll_of_an_open_session_also_reads_its_payment_intent() {
    let mut m = awaiting();
    let with_intent: Vec<u64> = polls(&mut m, 50 * SECOND)
        .into_iter()
        .filter(|(_, step)| *step == poll_with_intent())
        .map(|(at, _)| at.as_secs())
        .collect();
    // The other polls read the session alone (and its intent only if the session cannot settle them).
    assert_eq!(with_intent, [24, 44]);
}

#[test]
fn a_failed_poll_is_repeated_as_it_was_asked() {
    let mut m = awaiting();
    let mut at = 6 * SECOND;
    for _ in 0..9 {
        assert_eq!(m.on_wake(at), poll_step());
        let Step::Wait { until } = m.on_poll(Ok(open()), at) else {
            panic!("an open session keeps the sale waiting")
        };
        at = until;
    }
    assert_eq!(m.on_wake(at), poll_with_intent());
    let Step::Wait { until } = m.on_poll(Err(network_down()), at) else {
        panic!("a failed poll is retried")
    };
    assert_eq!(
        m.on_wake(until),
        poll_with_intent(),
        "the intent read is not skipped"
    );
    let Step::Wait { until } = m.on_poll(Ok(open()), until) else {
        panic!("an open session keeps the sale waiting")
    };
    assert_eq!(m.on_wake(until), poll_step());
}
