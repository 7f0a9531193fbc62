//! A configured kiosk fills its screen in a desktop session (winit on X11 or Wayland), from its first frame, hides
//! the mouse pointer and keeps an X11 screen saver from blanking it.
//!
//! From the first frame: the winit window is *created* fullscreen (`backend`, a window-attributes hook) and at the
//! screen's size, read from winit's monitors when the event loop starts and before Slint creates its windows. The size matters on Wayland: a compositor answers the new window's first commit with a configure
//! that may not say fullscreen yet (cage 0.1.4 only maximizes a window once it is mapped, i.e. after its first
//! frame) and leaves the size to the client, which then draws its first frame at its own size; a kiosk sized like
//! its screen draws that frame edge to edge. Slint's own `Window::set_fullscreen` is not used on winit: Slint
//! copies the compositor's state back into that property, so a first configure without the fullscreen state made
//! it send `unset_fullscreen` and draw an 800x480 frame (seen under cage, tests/wayland_fullscreen.rs).
//! Decorations: Slint sets winit's from the window's `no-frame` (overriding a window-attributes hook), so the
//! kiosk's window is `no-frame` (`KioskAdapter.frameless`), set before it is shown. Without it, a compositor that
//! leaves decorations to its clients and maximizes before it fullscreens (cage without `-d`) got winit's title bar
//! drawn as the first buffer. Limit: winit reports an output's unturned mode size, so on an output the compositor
//! turns the first frame has the unturned size.
//!
//! The fullscreen request alone is not enough on a bare X server with no window manager: nobody honours it, and
//! the window stays where winit put it. So after the window exists we also read its monitor's size through winit
//! and place the window at the monitor's origin with exactly that size, which an X server without a window
//! manager obeys as is (tests/fullscreen.rs). With a window manager or a compositor the fullscreen request does
//! the job and our geometry request is at worst overridden.
//!
//! linuxkms always draws the whole screen and has no winit window: everything here is then a no-op.

use slint::ComponentHandle;

use super::{AppWindow, KioskAdapter};

/// How the kiosk's window appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowMode {
    /// An ordinary window at the UI's preferred size, for development and the demo.
    Windowed,
    /// The whole screen, no pointer, no screen blanking: a touchscreen kiosk.
    Fullscreen,
}

/// The window mode from the rules alone (no Slint): `--windowed` always wins; then an explicit
/// `[display] fullscreen`; otherwise a configured kiosk is fullscreen and the demo (which has no configuration)
/// is windowed, so trying the demo on a laptop does not take over its screen.
pub fn window_mode(
    configured_fullscreen: Option<bool>,
    demo: bool,
    windowed_flag: bool,
) -> WindowMode {
    let fullscreen = !windowed_flag && configured_fullscreen.unwrap_or(!demo);
    if fullscreen {
        WindowMode::Fullscreen
    } else {
        WindowMode::Windowed
    }
}

/// Keeps the fullscreen kiosk's timers alive; hold it as long as the window is shown.
pub struct KioskWindow {
    #[cfg(feature = "desktop")]
    _timers: desktop::Timers,
}

/// Whether `mode` needs a backend set up by [`backend`]: a fullscreen kiosk in a desktop build (winit).
pub fn needs_backend(mode: WindowMode) -> bool {
    cfg!(feature = "desktop") && mode == WindowMode::Fullscreen
}

/// `selector` for `mode`: in a desktop build a fullscreen kiosk's winit windows are created fullscreen and at the
/// screen's size; otherwise `selector` as it is.
pub fn backend(selector: slint::BackendSelector, mode: WindowMode) -> slint::BackendSelector {
    #[cfg(feature = "desktop")]
    if mode == WindowMode::Fullscreen {
        return desktop::created_fullscreen(selector);
    }
    let _ = mode;
    selector
}

/// Makes `window` a fullscreen kiosk window when `mode` says so (`None` when windowed). Call before `show()`, on
/// a platform chosen with [`backend`]: the window is then frameless and sized to its screen as it is created;
/// the geometry that also covers the no-window-manager case is applied on the event loop's first turns, once
/// the winit window exists.
pub fn apply(window: &AppWindow, mode: WindowMode) -> Option<KioskWindow> {
    if mode == WindowMode::Windowed {
        return None;
    }
    // `no-frame` from the window's creation on: a compositor that leaves decorations to its clients (cage without
    // `-d`) and does not say "fullscreen" in its first configure would otherwise get winit's title bar drawn first.
    window.global::<KioskAdapter>().set_frameless(true);
    // linuxkms fills the screen anyway; winit windows are created fullscreen by the backend's hook (see above).
    #[cfg(not(feature = "desktop"))]
    window.window().set_fullscreen(true);
    #[cfg(feature = "desktop")]
    desktop::size_to_screen_when_created(window);
    Some(KioskWindow {
        #[cfg(feature = "desktop")]
        _timers: desktop::Timers::start(window),
    })
}

#[cfg(feature = "desktop")]
mod desktop {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;

    use slint::winit_030::winit;
    use slint::winit_030::{CustomApplicationHandler, EventResult, WinitWindowAccessor};

    type SizeWindow = Box<dyn Fn(winit::dpi::PhysicalSize<u32>)>;

    thread_local! {
        /// Sizes the kiosk windows waiting to be created (the UI thread's; Slint creates windows there).
        static AWAITING_SCREEN_SIZE: RefCell<Vec<SizeWindow>> = RefCell::new(Vec::new());
        /// The screen's size once an event loop has started: a window made after that (the kiosk's own window,
        /// after the busy screen's loop ended) is sized at once.
        static SCREEN_SIZE: Cell<Option<winit::dpi::PhysicalSize<u32>>> = const { Cell::new(None) };
    }

    /// Windows created fullscreen, sized to the screen before Slint creates them.
    pub(super) fn created_fullscreen(selector: slint::BackendSelector) -> slint::BackendSelector {
        selector
            .with_winit_window_attributes_hook(|attributes| {
                attributes.with_fullscreen(Some(winit::window::Fullscreen::Borderless(None)))
            })
            .with_winit_custom_application_handler(ScreenSize)
    }

    /// Gives `component`'s window the screen's size when the event loop starts, before the window is created.
    pub(super) fn size_to_screen_when_created<C: slint::ComponentHandle + 'static>(component: &C) {
        let weak = component.as_weak();
        let size_window: SizeWindow = Box::new(move |size| {
            if let Some(component) = weak.upgrade() {
                component
                    .window()
                    .set_size(slint::PhysicalSize::new(size.width, size.height));
            }
        });
        match SCREEN_SIZE.get() {
            Some(size) => size_window(size),
            None => AWAITING_SCREEN_SIZE.with_borrow_mut(|waiting| waiting.push(size_window)),
        }
    }

    /// Slint's winit event loop calls `resumed` when it starts and only then creates the windows shown before it
    /// ran: the moment when the monitors are known and the windows not yet made.
    struct ScreenSize;

    impl CustomApplicationHandler for ScreenSize {
        fn resumed(&mut self, event_loop: &winit::event_loop::ActiveEventLoop) -> EventResult {
            // Wayland has no primary monitor; the first one is where a compositor puts a new window by default.
            let monitor = event_loop
                .primary_monitor()
                .or_else(|| event_loop.available_monitors().next());
            let waiting = AWAITING_SCREEN_SIZE.take();
            match monitor {
                Some(monitor) => {
                    let size = monitor.size();
                    tracing::debug!(
                        width = size.width,
                        height = size.height,
                        "creating the kiosk window at its screen's size"
                    );
                    SCREEN_SIZE.set(Some(size));
                    waiting.iter().for_each(|size_window| size_window(size));
                }
                None => tracing::warn!(
                    "no monitor information; the kiosk window starts at its own size"
                ),
            }
            EventResult::Propagate
        }
    }

    /// How often the window's geometry is checked against its monitor's while it does not fit yet, and how many
    /// checks before giving up (a window manager that refuses the size would otherwise make it flicker for ever).
    const FIT_CHECK_EVERY: Duration = Duration::from_millis(250);
    const FIT_CHECKS: u32 = 20;
    /// X11 screen savers start after minutes at the least; resetting every 30 s keeps well clear of them.
    const KEEP_AWAKE_EVERY: Duration = Duration::from_secs(30);

    pub(super) struct Timers {
        _fit: Rc<slint::Timer>,
        _keep_awake: slint::Timer,
    }

    impl Timers {
        pub(super) fn start<C: slint::ComponentHandle + 'static>(component: &C) -> Self {
            Self {
                _fit: fit_timer(component),
                _keep_awake: keep_awake_timer(component),
            }
        }
    }

    /// Fits the window to its monitor at the first turn of the event loop, then checks again every 250 ms until
    /// it fits (the window may not exist yet, or a window manager may still be mapping it), and hides the
    /// pointer: the kiosk is a touchscreen.
    fn fit_timer<C: slint::ComponentHandle + 'static>(component: &C) -> Rc<slint::Timer> {
        let timer = Rc::new(slint::Timer::default());
        let weak = component.as_weak();
        let stop = Rc::downgrade(&timer);
        let checks = Cell::new(0u32);
        let step = Rc::new(move || {
            let Some(component) = weak.upgrade() else {
                return;
            };
            let fit = component.window().with_winit_window(|window| {
                window.set_cursor_visible(false);
                fit_to_monitor(window)
            });
            checks.set(checks.get() + 1);
            let finished = match fit {
                Some(Fit::Fits | Fit::NoMonitor) => true,
                // No winit window yet, or the geometry was just requested: look again.
                None | Some(Fit::Requested) => checks.get() >= FIT_CHECKS,
            };
            if finished {
                if fit == Some(Fit::Requested) {
                    tracing::warn!(
                        "the kiosk window still does not cover its screen; giving up resizing it"
                    );
                }
                if let Some(timer) = stop.upgrade() {
                    timer.stop();
                }
            }
        });
        let first = step.clone();
        slint::Timer::single_shot(Duration::ZERO, move || first());
        timer.start(slint::TimerMode::Repeated, FIT_CHECK_EVERY, move || step());
        timer
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Fit {
        Fits,
        Requested,
        NoMonitor,
    }

    fn fit_to_monitor(window: &winit::window::Window) -> Fit {
        let Some(monitor) = window
            .current_monitor()
            .or_else(|| window.primary_monitor())
            .or_else(|| window.available_monitors().next())
        else {
            tracing::warn!("no monitor information; the kiosk window keeps its size");
            return Fit::NoMonitor;
        };
        let (origin, size) = (monitor.position(), monitor.size());
        // Wayland reports no position (clients cannot place windows there); the size alone decides.
        let placed = window.outer_position().ok();
        if window.inner_size() == size && placed.is_none_or(|p| p == origin) {
            return Fit::Fits;
        }
        tracing::info!(
            width = size.width,
            height = size.height,
            x = origin.x,
            y = origin.y,
            "sizing the kiosk window to its screen"
        );
        // With a window manager this is what makes the window fullscreen...
        if window.fullscreen().is_none() {
            window.set_fullscreen(Some(winit::window::Fullscreen::Borderless(Some(monitor))));
        }
        // ...and without one nobody acts on that request, so place and size the window ourselves.
        window.set_outer_position(origin);
        let _ = window.request_inner_size(size);
        Fit::Requested
    }

    /// Sends X11's `ForceScreenSaver(Reset)` every 30 s while the window is on an X11 display, as a video player
    /// does: a touchscreen kiosk must stay lit between customers. Wayland has no such request; there the
    /// compositor's idle daemon is configured instead (docs/desktop-session.md).
    fn keep_awake_timer<C: slint::ComponentHandle + 'static>(component: &C) -> slint::Timer {
        let weak = component.as_weak();
        // `None` until the window exists; then `Some(None)` off X11 (nothing to do), `Some(Some(_))` on X11.
        let connection: RefCell<Option<Option<x11rb::rust_connection::RustConnection>>> =
            RefCell::new(None);
        let reset = Rc::new(move || {
            if connection.borrow().is_none() {
                let Some(component) = weak.upgrade() else {
                    return;
                };
                let Some(on_x11) = component.window().with_winit_window(is_x11) else {
                    return;
                };
                let opened = if on_x11 {
                    x11rb::rust_connection::RustConnection::connect(None)
                        .map(|(conn, _screen)| conn)
                        .inspect_err(|error| {
                            tracing::warn!(%error, "cannot reach the X server to keep the screen awake");
                        })
                        .ok()
                } else {
                    None
                };
                *connection.borrow_mut() = Some(opened);
            }
            if let Some(Some(conn)) = connection.borrow().as_ref() {
                use x11rb::connection::Connection;
                use x11rb::protocol::xproto::{ConnectionExt, ScreenSaver};
                let sent = conn
                    .force_screen_saver(ScreenSaver::RESET)
                    .map(|cookie| cookie.ignore_error())
                    .and_then(|()| conn.flush());
                if let Err(error) = sent {
                    tracing::warn!(%error, "cannot reset the X11 screen saver");
                }
            }
        });
        // Once shortly after start (the window exists by then), then every 30 s.
        let first = reset.clone();
        slint::Timer::single_shot(Duration::from_secs(1), move || first());
        let timer = slint::Timer::default();
        timer.start(slint::TimerMode::Repeated, KEEP_AWAKE_EVERY, move || {
            reset()
        });
        timer
    }

    fn is_x11(window: &winit::window::Window) -> bool {
        use winit::raw_window_handle::{HasDisplayHandle, RawDisplayHandle};
        window.display_handle().is_ok_and(|handle| {
            matches!(
                handle.as_raw(),
                RawDisplayHandle::Xlib(_) | RawDisplayHandle::Xcb(_)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{WindowMode, window_mode};

    #[test]
    fn a_configured_kiosk_is_fullscreen_unless_told_otherwise() {
        assert_eq!(window_mode(None, false, false), WindowMode::Fullscreen);
        assert_eq!(
            window_mode(Some(true), false, false),
            WindowMode::Fullscreen
        );
        assert_eq!(window_mode(Some(false), false, false), WindowMode::Windowed);
    }

    #[test]
    fn the_demo_is_windowed_unless_fullscreen_is_explicit() {
        assert_eq!(window_mode(None, true, false), WindowMode::Windowed);
        assert_eq!(window_mode(Some(true), true, false), WindowMode::Fullscreen);
    }

    #[test]
    fn windowed_flag_always_wins() {
        for configured in [None, Some(true), Some(false)] {
            for demo in [false, true] {
                assert_eq!(window_mode(configured, demo, true), WindowMode::Windowed);
            }
        }
    }
}
