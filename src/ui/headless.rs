//! `--headless`: the whole kiosk (engine, recovery, timers, screens rendered by the software renderer) with no
//! display. For soak runs and crash tests on machines without a screen, and for checking a configuration
//! on a Pi before its panel is connected.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType, Rgb565Pixel};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::{EventLoopError, PhysicalSize, PlatformError};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    quit: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

pub struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    size: PhysicalSize,
    shared: Arc<Shared>,
}

impl HeadlessPlatform {
    pub fn new(width: u32, height: u32) -> Self {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        let size = PhysicalSize::new(width, height);
        window.set_size(size);
        Self {
            window,
            size,
            shared: Arc::default(),
        }
    }
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        Some(Box::new(Proxy(self.shared.clone())))
    }

    fn run_event_loop(&self) -> Result<(), PlatformError> {
        let (width, height) = (self.size.width as usize, self.size.height as usize);
        let mut frame = vec![Rgb565Pixel::default(); width * height];
        // The loop may run more than once (a busy screen first, then the kiosk): a quit ends one run only.
        self.shared
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .quit = false;
        loop {
            slint::platform::update_timers_and_animations();
            let jobs: Vec<Job> = {
                let mut queue = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
                if queue.quit {
                    return Ok(());
                }
                queue.jobs.drain(..).collect()
            };
            for job in jobs {
                job();
            }
            // Rendered like on a panel, so a UI bug that only shows when drawing still shows here.
            self.window.draw_if_needed(|renderer| {
                renderer.render(&mut frame, width);
            });
            let wait = slint::platform::duration_until_next_timer_update()
                .unwrap_or(Duration::from_millis(500))
                .min(Duration::from_millis(500));
            let queue = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            if queue.jobs.is_empty() && !queue.quit && !self.window.has_active_animations() {
                let _ = self.shared.wake.wait_timeout(queue, wait);
            }
        }
    }
}

struct Proxy(Arc<Shared>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), EventLoopError> {
        self.0.queue.lock().unwrap_or_else(|e| e.into_inner()).quit = true;
        self.0.wake.notify_one();
        Ok(())
    }

    fn invoke_from_event_loop(&self, event: Job) -> Result<(), EventLoopError> {
        self.0
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .jobs
            .push_back(event);
        self.0.wake.notify_one();
        Ok(())
    }
}
