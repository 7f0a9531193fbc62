//! The real binary under Xvfb (an X server with no window manager, the hard case for fullscreen): a configured
//! kiosk's window covers the whole screen at 1024×600 and 720×1280, while the demo and `--windowed` stay an
//! 800×480 window. Skipped, with a message, only where the Xvfb binary is missing (scripts/setup-dev.sh installs
//! it). With `UPDATE_SCREENSHOTS=1` the fullscreen runs also write docs/screenshots/fullscreen-xvfb-<W>x<H>.png.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, MapState};
use x11rb::rust_connection::RustConnection;

/// Generous, for a debug build starting on a loaded CI machine; the polls return as soon as the state is reached.
const DEADLINE: Duration = Duration::from_secs(60);
/// How long a window that must stay 800×480 is watched: the kiosk's own fitting gives up within 5 s.
const STAYS_WINDOWED_FOR: Duration = Duration::from_secs(3);

/// Display numbers to try, from :90 up; tests in this binary run in parallel, so each takes the next one.
static NEXT_DISPLAY: AtomicU16 = AtomicU16::new(90);

fn xvfb_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("Xvfb"))
        .find(|candidate| candidate.is_file())
}

/// An Xvfb server, killed when dropped (also when the test panics).
struct Xvfb {
    child: Child,
    display: String,
    connection: RustConnection,
    root: u32,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Xvfb {
    /// `None` (after printing why) when there is no Xvfb binary.
    fn start(width: u16, height: u16) -> Option<Self> {
        let Some(binary) = xvfb_binary() else {
            eprintln!(
                "SKIPPED: no Xvfb binary on PATH; install the xvfb package (scripts/setup-dev.sh does) to run \
                 tests/fullscreen.rs"
            );
            return None;
        };
        let started = Instant::now();
        loop {
            assert!(
                started.elapsed() < DEADLINE,
                "no Xvfb server could be started"
            );
            let number = NEXT_DISPLAY.fetch_add(1, Ordering::SeqCst);
            if Path::new(&format!("/tmp/.X{number}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
            {
                continue;
            }
            let display = format!(":{number}");
            let mut child = std::process::Command::new(&binary)
                .args([
                    &display,
                    "-screen",
                    "0",
                    &format!("{width}x{height}x24"),
                    "-nolisten",
                    "tcp",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb starts");
            // Ready once it accepts a connection; an early exit means the display was taken after all.
            let connected = loop {
                if let Ok((connection, screen)) = RustConnection::connect(Some(&display)) {
                    break Some((connection, screen));
                }
                if child.try_wait().expect("Xvfb status").is_some() || started.elapsed() > DEADLINE
                {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            match connected {
                Some((connection, screen)) => {
                    let root = connection.setup().roots[screen].root;
                    return Some(Self {
                        child,
                        display,
                        connection,
                        root,
                    });
                }
                None => {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
    }

    /// The geometry (x, y, width, height) of every mapped top-level window.
    fn mapped_windows(&self) -> Vec<(i16, i16, u16, u16)> {
        let Ok(tree) = self
            .connection
            .query_tree(self.root)
            .map_err(drop)
            .and_then(|c| c.reply().map_err(drop))
        else {
            return Vec::new();
        };
        tree.children
            .iter()
            .filter_map(|&window| {
                // A window can vanish between the two requests; it is then simply not counted.
                let attributes = self
                    .connection
                    .get_window_attributes(window)
                    .ok()?
                    .reply()
                    .ok()?;
                if attributes.map_state != MapState::VIEWABLE || attributes.override_redirect {
                    return None;
                }
                let geometry = self.connection.get_geometry(window).ok()?.reply().ok()?;
                Some((geometry.x, geometry.y, geometry.width, geometry.height))
            })
            .collect()
    }

    /// Polls until a mapped top-level window satisfies `wanted` (described as `what`); panics with what was seen
    /// at the deadline, or as soon as the kiosk exits.
    async fn wait_for_window(
        &self,
        what: &str,
        wanted: impl Fn(&(i16, i16, u16, u16)) -> bool,
        kiosk: &mut Kiosk,
    ) {
        let started = Instant::now();
        loop {
            let windows = self.mapped_windows();
            if windows.iter().any(&wanted) {
                return;
            }
            kiosk.assert_running();
            assert!(
                started.elapsed() < DEADLINE,
                "no mapped window {what} within {DEADLINE:?}; mapped (x, y, width, height): {windows:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The screen as RGB, for the screenshot.
    fn screenshot(&self, width: u16, height: u16) -> image::RgbImage {
        let reply = self
            .connection
            .get_image(ImageFormat::Z_PIXMAP, self.root, 0, 0, width, height, !0)
            .expect("GetImage sent")
            .reply()
            .expect("GetImage answered");
        // Depth 24 in a 32-bit pixel, little-endian: blue, green, red, padding.
        let mut rgb = image::RgbImage::new(width.into(), height.into());
        for (pixel, bgrx) in rgb.pixels_mut().zip(reply.data.chunks_exact(4)) {
            *pixel = image::Rgb([bgrx[2], bgrx[1], bgrx[0]]);
        }
        rgb
    }
}

/// The kiosk process; `kill_on_drop` ends it on every path out of the test, a panic included.
struct Kiosk {
    child: tokio::process::Child,
}

impl Kiosk {
    fn start(mut command: tokio::process::Command, display: &str) -> Self {
        command
            .env("DISPLAY", display)
            .env("SLINT_BACKEND", "winit-software")
            // Make winit pick X11 (our Xvfb) even when the test itself runs inside a Wayland session.
            .env_remove("WAYLAND_DISPLAY")
            // Warnings and errors only: enough to see why a run failed without burying the test output.
            .env("RUST_LOG", "warn")
            // The test reads windows, not output: a full pipe must never block the kiosk.
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        Self {
            child: command.spawn().expect("the kiosk starts"),
        }
    }

    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("kiosk status") {
            panic!("the kiosk exited early: {status}");
        }
    }
}

/// A configured kiosk (a shop pointing at the in-process simulator) under an Xvfb of `width`×`height` fills it.
async fn configured_kiosk_fills(width: u16, height: u16) {
    let Some(xvfb) = Xvfb::start(width, height) else {
        return;
    };
    let sim = common::simulator().await;
    let shop = common::Shop::new(&sim.api_base_url(), "");
    let mut kiosk = Kiosk::start(shop.command(&[]), &xvfb.display);
    xvfb.wait_for_window(
        &format!("at (0, 0) covering {width}x{height}"),
        |&geometry| geometry == (0, 0, width, height),
        &mut kiosk,
    )
    .await;
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        save_screenshot(&xvfb, width, height).await;
    }
}

/// Waits until the kiosk has drawn (the screen is no longer one colour), then writes the shot for the docs.
async fn save_screenshot(xvfb: &Xvfb, width: u16, height: u16) {
    let started = Instant::now();
    let mut previous = None;
    let shot = loop {
        let shot = xvfb.screenshot(width, height);
        let first = *shot.get_pixel(0, 0);
        let drawn = shot.pixels().filter(|p| **p != first).count() > shot.len() / 3 / 100;
        // Drawn, and the same in two shots in a row: not caught half-drawn.
        if drawn && previous.as_ref() == Some(&shot) {
            break shot;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the kiosk drew nothing on screen, or never stopped drawing"
        );
        previous = Some(shot);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/screenshots")
        .join(format!("fullscreen-xvfb-{width}x{height}.png"));
    shot.save(&path).expect("screenshot written");
    eprintln!("wrote {}", path.display());
}

/// A mapped 800×480 window appears and stays that size (never grows to the screen).
async fn stays_windowed(xvfb: &Xvfb, kiosk: &mut Kiosk) {
    xvfb.wait_for_window("of 800x480", |&(_, _, w, h)| (w, h) == (800, 480), kiosk)
        .await;
    let watched = Instant::now();
    while watched.elapsed() < STAYS_WINDOWED_FOR {
        let windows = xvfb.mapped_windows();
        assert!(
            windows.iter().all(|&(_, _, w, h)| (w, h) == (800, 480)),
            "the window must stay 800x480; mapped: {windows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_kiosk_fills_a_1024x600_screen() {
    configured_kiosk_fills(1024, 600).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_kiosk_fills_a_720x1280_screen() {
    configured_kiosk_fills(720, 1280).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_stays_an_800x480_window() {
    let Some(xvfb) = Xvfb::start(1024, 600) else {
        return;
    };
    let mut command = common::kiosk_command();
    command.arg("--demo");
    let mut kiosk = Kiosk::start(command, &xvfb.display);
    stays_windowed(&xvfb, &mut kiosk).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windowed_flag_keeps_a_configured_kiosk_in_a_window() {
    let Some(xvfb) = Xvfb::start(1024, 600) else {
        return;
    };
    let sim = common::simulator().await;
    let shop = common::Shop::new(&sim.api_base_url(), "");
    let mut kiosk = Kiosk::start(shop.command(&["--windowed"]), &xvfb.display);
    stays_windowed(&xvfb, &mut kiosk).await;
}
