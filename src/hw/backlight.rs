//! The display backlight through sysfs (`/sys/class/backlight/<device>/`): dimmed on the attract screen when
//! configured, and full again (and powered on) whenever anything else is on screen, the QR above all.

use std::path::{Path, PathBuf};

pub const SYSFS_BACKLIGHT: &str = "/sys/class/backlight";
/// The package's udev rule links this to the backlight's sysfs directory, and the unit makes only that
/// directory writable: where it exists, it is the device to use.
pub const WRITABLE_BACKLIGHT_LINK: &str = "/run/wooshpay-kiosk-backlight";

#[derive(Debug, Clone)]
pub struct Backlight {
    device: PathBuf,
    max: u32,
    /// The brightness found at start: what "restore" goes back to.
    normal: u32,
    idle_percent: u8,
}

impl Backlight {
    /// The device `writable_link` points to, else the first backlight device under `class_dir`, or `None`
    /// (HDMI screens usually have none).
    pub fn find(class_dir: &Path, writable_link: &Path, idle_percent: u8) -> Option<Self> {
        let device = if writable_link.join("brightness").exists() {
            writable_link.to_path_buf()
        } else {
            let mut devices: Vec<PathBuf> = std::fs::read_dir(class_dir)
                .ok()?
                .flatten()
                .map(|e| e.path())
                .collect();
            devices.sort();
            devices
                .into_iter()
                .find(|d| d.join("brightness").exists())?
        };
        let max = read_number(&device.join("max_brightness"))?;
        let normal = read_number(&device.join("brightness"))
            .filter(|b| *b > 0)
            .unwrap_or(max);
        Some(Self {
            device,
            max,
            normal,
            idle_percent: idle_percent.min(100),
        })
    }

    pub fn device(&self) -> &Path {
        &self.device
    }

    /// The attract screen: a dim glow that still says the kiosk is alive.
    pub fn dim(&self) {
        let level = (u64::from(self.max) * u64::from(self.idle_percent) / 100).max(1) as u32;
        self.write("brightness", level.min(self.normal));
    }

    /// Anything but the attract screen: full brightness and the panel powered (`bl_power` 0 is on).
    pub fn restore(&self) {
        if self.device.join("bl_power").exists() {
            self.write("bl_power", 0);
        }
        self.write("brightness", self.normal);
    }

    fn write(&self, file: &str, value: u32) {
        let path = self.device.join(file);
        if let Err(error) = std::fs::write(&path, value.to_string()) {
            tracing::warn!(path = %path.display(), %error, "cannot set the backlight");
        }
    }
}

fn read_number(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory laid out like sysfs: `<class>/<device>/{brightness,max_brightness,bl_power}`.
    pub fn fake_sysfs(brightness: u32, max: u32) -> tempfile::TempDir {
        let class = tempfile::tempdir().unwrap();
        let device = class.path().join("10-0045");
        std::fs::create_dir(&device).unwrap();
        std::fs::write(device.join("brightness"), format!("{brightness}\n")).unwrap();
        std::fs::write(device.join("max_brightness"), format!("{max}\n")).unwrap();
        std::fs::write(device.join("bl_power"), "4\n").unwrap();
        class
    }

    fn read(class: &Path, file: &str) -> String {
        std::fs::read_to_string(class.join("10-0045").join(file))
            .unwrap()
            .trim()
            .to_owned()
    }

    #[test]
    fn dims_to_the_configured_share_and_restores_the_brightness_found_at_start() {
        let class = fake_sysfs(200, 255);
        let backlight = Backlight::find(class.path(), &class.path().join("no-link"), 10).unwrap();
        backlight.dim();
        assert_eq!(read(class.path(), "brightness"), "25");
        backlight.restore();
        assert_eq!(read(class.path(), "brightness"), "200");
        assert_eq!(
            read(class.path(), "bl_power"),
            "0",
            "a QR is never shown on a dark panel"
        );
    }

    #[test]
    fn the_device_the_unit_made_writable_wins_over_the_first_one() {
        let class = fake_sysfs(200, 255);
        let second = class.path().join("rpi_backlight");
        std::fs::create_dir(&second).unwrap();
        std::fs::write(second.join("brightness"), "31\n").unwrap();
        std::fs::write(second.join("max_brightness"), "31\n").unwrap();
        let run = tempfile::tempdir().unwrap();
        let link = run.path().join("wooshpay-kiosk-backlight");
        std::os::unix::fs::symlink(&second, &link).unwrap();
        let backlight = Backlight::find(class.path(), &link, 10).unwrap();
        backlight.dim();
        assert_eq!(
            std::fs::read_to_string(second.join("brightness")).unwrap(),
            "3"
        );
        assert_eq!(
            read(class.path(), "brightness"),
            "200",
            "the other panel is left alone"
        );
    }

    #[test]
    fn no_device_means_no_backlight() {
        let empty = tempfile::tempdir().unwrap();
        let no_link = empty.path().join("no-link");
        assert!(Backlight::find(empty.path(), &no_link, 10).is_none());
        assert!(Backlight::find(Path::new("/nonexistent/backlight"), &no_link, 10).is_none());
    }
}
