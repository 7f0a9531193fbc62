//! The touchscreen UI: the Slint window (`ui/*.slint`) wired to the checkout engine.
//!
//! One module per view, each with one `connect()` that wires its adapter global: `catalog.rs` (tiles and
//! cart), `amount.rs` (custom amount), `payment.rs` (QR, countdown, Cancel), `result.rs`, `staff.rs` (PIN and
//! admin); `gateway.rs` follows WooshPay's reachability and recovery; `kiosk.rs` holds the shared state, the
//! screen and the quiet-spell rules (whose logic is in `crate::kiosk`, tested without a window).
//! `convert.rs` is the only place engine types become Slint types. The engine runs on the tokio runtime;
//! nothing here waits on the network.

mod amount;
mod catalog;
mod catalog_feed;
pub mod convert;
pub mod feed_link;
pub mod fullscreen;
mod gateway;
pub mod headless;
mod kiosk;
mod payment;
mod printing;
mod reconcile;
mod result;
mod sale_detail;
mod staff;
mod stock;
mod tip;

#[allow(clippy::all, missing_docs)]
mod generated {
    slint::include_modules!();
}

pub use generated::*;
pub use kiosk::{Kiosk, UiContext};

use crate::config::DisplaySettings;

impl Kiosk {
    /// The one place the views are wired together: each view module connects its own adapter global to the
    /// kiosk, then the kiosk starts.
    pub fn attach(window: &AppWindow, context: UiContext) -> std::rc::Rc<Kiosk> {
        let kiosk = Kiosk::new(window, context);
        kiosk::connect(&kiosk, window);
        catalog::connect(&kiosk, window);
        amount::connect(&kiosk, window);
        payment::connect(&kiosk, window);
        result::connect(&kiosk, window);
        staff::connect(&kiosk, window);
        sale_detail::connect(&kiosk, window);
        stock::connect(&kiosk, window);
        tip::connect(&kiosk, window);
        printing::connect(&kiosk, window);
        catalog_feed::connect(&kiosk, window);
        kiosk.start();
        kiosk
    }
}

/// Picks the renderer from `[display] renderer`, unless `SLINT_BACKEND` already says what to use, and for a
/// fullscreen kiosk makes winit create its windows fullscreen (`fullscreen::backend`).
pub fn select_backend(
    display: &DisplaySettings,
    window_mode: fullscreen::WindowMode,
) -> Result<(), slint::PlatformError> {
    let slint_backend_set = std::env::var_os("SLINT_BACKEND").is_some_and(|v| !v.is_empty());
    let renderer = display.renderer.filter(|_| !slint_backend_set);
    if renderer.is_none() && !fullscreen::needs_backend(window_mode) {
        return Ok(());
    }
    // The selector itself reads `SLINT_BACKEND` for whatever is not chosen here.
    let mut selector = slint::BackendSelector::new();
    if let Some(renderer) = renderer {
        selector = selector.renderer_name(renderer.slint_name().to_owned());
    }
    fullscreen::backend(selector, window_mode).select()
}

/// The headless software platform, or the backend `[display] renderer` / `SLINT_BACKEND` picks, set up for
/// `window_mode`. Once per process, before any window.
pub fn init_platform(
    display: &DisplaySettings,
    headless: bool,
    window_mode: fullscreen::WindowMode,
) -> Result<(), slint::PlatformError> {
    if headless {
        slint::platform::set_platform(Box::new(headless::HeadlessPlatform::new(800, 480)))
            .map_err(|e| slint::PlatformError::Other(e.to_string()))
    } else {
        select_backend(display, window_mode)
    }
}

/// Another wooshpay-kiosk process owns the state directory: show so on screen (with `detail`, which process)
/// and try again every two seconds until it is free; returns the lock. Systemd hears "ready" and the
/// watchdog pings meanwhile, so a kiosk waiting for a `recover` run by hand is not restarted.
pub fn wait_for_state_directory(
    display: &DisplaySettings,
    window_mode: fullscreen::WindowMode,
    detail: &str,
    state_dir: &std::path::Path,
) -> Result<crate::state::StateLock, slint::PlatformError> {
    use std::cell::RefCell;
    use std::rc::Rc;
    let window = AppWindow::new()?;
    if let Err(error) = slint::select_bundled_translation(display.language.translation()) {
        tracing::warn!(%error, "cannot select the kiosk's language for the busy screen");
    }
    window
        .global::<Theme>()
        .set_high_contrast(display.high_contrast);
    window.global::<Theme>().set_large_text(display.large_text);
    let adapter = window.global::<KioskAdapter>();
    adapter.set_shop_name(display.shop_name.as_str().into());
    adapter.set_busy_detail(detail.into());
    adapter.set_screen(Screen::Busy);
    let acquired = Rc::new(RefCell::new(None));
    let retry = slint::Timer::default();
    {
        let acquired = acquired.clone();
        let dir = state_dir.to_owned();
        let weak = window.as_weak();
        retry.start(
            slint::TimerMode::Repeated,
            std::time::Duration::from_secs(2),
            move || match crate::state::StateLock::acquire(&dir) {
                Ok(lock) => {
                    tracing::info!(dir = %dir.display(), "the state directory is free; starting");
                    *acquired.borrow_mut() = Some(lock);
                    let _ = slint::quit_event_loop();
                }
                Err(error) => {
                    if let Some(window) = weak.upgrade() {
                        window
                            .global::<KioskAdapter>()
                            .set_busy_detail(error.to_string().into());
                    }
                }
            },
        );
    }
    let service = service_timers(std::time::Instant::now());
    let kiosk_window = fullscreen::apply(&window, window_mode);
    window.show()?;
    slint::run_event_loop()?;
    window.hide()?;
    drop(kiosk_window);
    drop(service);
    drop(retry);
    acquired.take().ok_or_else(|| {
        slint::PlatformError::Other(
            "the window was closed while another wooshpay-kiosk used the state directory".into(),
        )
    })
}

/// Tells systemd the kiosk is up once the first frame is drawn, then pings its watchdog from the UI thread's
/// timer, so a UI thread that stops answering is restarted. Held until the window closes.
fn service_timers(started: std::time::Instant) -> slint::Timer {
    // Runs on the first turn of the event loop, right after the window's first frame was drawn.
    slint::Timer::single_shot(std::time::Duration::ZERO, move || {
        tracing::info!(
            since_start_ms = started.elapsed().as_secs_f64() * 1000.0,
            "first frame shown"
        );
        crate::service::notify_ready();
    });
    let watchdog = slint::Timer::default();
    if let Some(interval) = crate::service::watchdog_interval() {
        watchdog.start(
            slint::TimerMode::Repeated,
            interval,
            crate::service::notify_watchdog,
        );
    }
    watchdog
}

/// Runs the kiosk until the window closes. Call on the main thread with a tokio runtime entered, after
/// [`init_platform`]. `window_mode`: a window, or the whole screen (a kiosk in a desktop session). `started`: when
/// the process started, to log how long the first frame took. `buttons`: the GPIO to watch for the cancel and wake
/// buttons.
pub fn run(
    context: UiContext,
    window_mode: fullscreen::WindowMode,
    started: std::time::Instant,
    buttons: Option<std::sync::Arc<crate::hw::gpio::GpioSignals>>,
) -> Result<(), slint::PlatformError> {
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
    let watchdog = service_timers(started);
    let kiosk_window = fullscreen::apply(&window, window_mode);
    window.run()?;
    drop(kiosk_window);
    drop(watchdog);
    drop(kiosk);
    Ok(())
}
