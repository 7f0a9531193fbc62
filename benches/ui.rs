//! UI timings with the software renderer at 800×480, headless (`cargo bench --bench ui`):
//! - first frame: building the window, attaching the catalog and rendering the first frame;
//! - QR visible: from "session created" to a rendered frame with the QR (encode, raster, upload, render),
//!   which is the kiosk's own share of "tap on Charge → QR visible" once WooshPay has answered.

use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, Image, PhysicalSize, PlatformError};
use wooshpay_kiosk::kiosk::CatalogView;
use wooshpay_kiosk::ui::{
    AppWindow, CatalogAdapter, KioskAdapter, PaymentAdapter, PaymentPhase, Screen, convert,
};

struct Headless {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
}

const URL: &str = "http://192.168.1.20:8787/pay/cs_test_2125082531412836358?key=pk_test_1YBJAMi0A-sIV1QpQ626aZh-wof5akZO";

fn frame(
    window: &MinimalSoftwareWindow,
    buffer: &mut [slint::platform::software_renderer::Rgb565Pixel],
) {
    window.request_redraw();
    window.draw_if_needed(|renderer| {
        renderer.render(buffer, 800);
    });
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Headless {
        window: window.clone(),
    }))
    .unwrap();
    window.set_size(PhysicalSize::new(800, 480));
    let mut buffer = vec![slint::platform::software_renderer::Rgb565Pixel::default(); 800 * 480];
    let currency = wooshpay_kiosk::money::Currency::from_code("GBP").unwrap();
    let catalog = wooshpay_kiosk::catalog::Catalog::parse(
        wooshpay_kiosk::demo::SAMPLE_CATALOG,
        "s".as_ref(),
        ".".as_ref(),
        currency,
    )
    .unwrap();

    let mut first_frame = Vec::new();
    for _ in 0..30 {
        let start = Instant::now();
        let app = AppWindow::new().unwrap();
        app.global::<KioskAdapter>().set_demo(true);
        let shelf = CatalogView::new(catalog.clone());
        let categories: Vec<slint::SharedString> = shelf
            .categories()
            .iter()
            .map(|c| c.as_str().into())
            .collect();
        app.global::<CatalogAdapter>().set_tiles(convert::tiles(
            shelf.catalog(),
            shelf.items(),
            &wooshpay_kiosk::kiosk::Stock::default(),
        ));
        app.global::<CatalogAdapter>()
            .set_categories(slint::ModelRc::new(slint::VecModel::from(categories)));
        app.show().unwrap();
        frame(&window, &mut buffer);
        first_frame.push(start.elapsed());
        app.hide().unwrap();
    }

    let app = AppWindow::new().unwrap();
    app.show().unwrap();
    app.global::<KioskAdapter>().set_screen(Screen::Payment);
    app.global::<PaymentAdapter>().set_total("£10.00".into());
    frame(&window, &mut buffer);
    let mut qr_visible = Vec::new();
    for i in 0..200 {
        let payment = app.global::<PaymentAdapter>();
        payment.set_phase(PaymentPhase::Creating);
        payment.set_qr(Image::default());
        frame(&window, &mut buffer);
        let url = format!("{URL}&n={i}");
        let start = Instant::now();
        let code = wooshpay_kiosk::qr::encode(&url).unwrap();
        let pixels = convert::qr_pixels(&wooshpay_kiosk::qr::raster(&code));
        payment.set_qr(Image::from_rgb8(pixels));
        payment.set_phase(PaymentPhase::Awaiting);
        frame(&window, &mut buffer);
        qr_visible.push(start.elapsed());
    }
    println!(
        "first frame (window + catalog + render, 800x480, software): median {:?}",
        median(first_frame)
    );
    println!(
        "session created -> QR frame rendered (800x480, software):  median {:?}",
        median(qr_visible)
    );
}
