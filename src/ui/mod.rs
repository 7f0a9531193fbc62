//! The touchscreen UI: the Slint window (`ui/*.slint`) wired to the checkout engine.
//!
//! `convert.rs` is the only place engine types become Slint types; `kiosk.rs` reacts to taps and to the
//! engine's events. The engine runs on the tokio runtime; nothing here waits on the network.

mod amount;
pub mod convert;
pub mod headless;
mod kiosk;
mod staff;

#[allow(clippy::all, missing_docs)]
mod generated {
    slint::include_modules!();
}

pub use generated::*;
pub use kiosk::{Kiosk, UiContext};

use crate::config::DisplaySettings;

/// Picks the renderer from `[display] renderer`, unless `SLINT_BACKEND` already says what to use.
pub fn select_backend(display: &DisplaySettings) -> Result<(), slint::PlatformError> {
    if std::env::var_os("SLINT_BACKEND").is_some_and(|v| !v.is_empty()) {
        return Ok(());
    }
    match display.renderer {
        Some(renderer) => slint::BackendSelector::new()
            .renderer_name(renderer.slint_name().to_owned())
            .select(),
        None => Ok(()),
    }
}

/// Runs the kiosk until the window closes. Call on the main thread with a tokio runtime entered.
/// `started`: when the process started, to log how long the first frame took. `buttons`: the GPIO to watch
/// for the cancel and wake buttons.
pub fn run(
    context: UiContext,
    started: std::time::Instant,
    buttons: Option<std::sync::Arc<crate::hw::gpio::GpioSignals>>,
    headless: bool,
) -> Result<(), slint::PlatformError> {
    if headless {
        slint::platform::set_platform(Box::new(headless::HeadlessPlatform::new(800, 480)))
            .map_err(|e| slint::PlatformError::Other(e.to_string()))?;
    } else {
        select_backend(&context.display)?;
    }
    let window = AppWindow::new()?;
    let kiosk = Kiosk::attach(&window, context);
    if let Some(gpio) = buttons {
        let weak = window.as_weak();
        let watched = gpio.watch_buttons(move |button| {
            // rppal calls this on its interrupt thread; the UI is only touched on its own thread.
            let _ = weak.upgrade_in_event_loop(move |window| match button {
                crate::hw::Button::Cancel => window.global::<PaymentAdapter>().invoke_cancel(),
                crate::hw::Button::Wake => window.global::<KioskAdapter>().invoke_wake(),
            });
        });
        if let Err(error) = watched {
            tracing::warn!(%error, "GPIO buttons are not available");
        }
    }
    // Runs on the first turn of the event loop, right after the window's first frame was drawn.
    slint::Timer::single_shot(std::time::Duration::ZERO, move || {
        tracing::info!(
            since_start_ms = started.elapsed().as_secs_f64() * 1000.0,
            "first frame shown"
        );
        crate::service::notify_ready();
    });
    // systemd restarts a kiosk whose UI thread stops answering: the pings come from this thread's timer.
    let watchdog = slint::Timer::default();
    if let Some(interval) = crate::service::watchdog_interval() {
        watchdog.start(
            slint::TimerMode::Repeated,
            interval,
            crate::service::notify_watchdog,
        );
    }
    window.run()?;
    drop(watchdog);
    drop(kiosk);
    Ok(())
}
