//! `ix-api` on a pseudo-terminal, as a person at a terminal runs it: its
//! standard input, output and error are the terminal, which is its
//! controlling terminal (so Ctrl-C written to it interrupts it). What it
//! writes is read as it comes; a test waits for a text to appear, not for
//! a clock.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for a text before it says what it saw instead of
/// hanging: a guard against a hang, not a measurement.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// What the terminal has shown so far, and whether the program has closed
/// it.
#[derive(Default)]
struct Screen {
    bytes: Vec<u8>,
    closed: bool,
}

pub struct Terminal {
    master: File,
    child: Child,
    screen: Arc<(Mutex<Screen>, Condvar)>,
}

impl Terminal {
    /// Starts `command` on a new pseudo-terminal of `columns` × 40.
    pub fn start(mut command: Command, columns: u16) -> Self {
        let (master, slave) = open(columns);
        let stdio = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
        command
            .stdin(stdio(&slave))
            .stdout(stdio(&slave))
            .stderr(stdio(&slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        // Only the child holds the terminal's side now: when it exits, the
        // reader below sees the end.
        drop(command);
        drop(slave);
        let screen: Arc<(Mutex<Screen>, Condvar)> = Arc::default();
        let mut reader = master.try_clone().unwrap();
        let shown = screen.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            loop {
                // Linux answers EIO once no process holds the terminal.
                let read = reader.read(&mut buffer).unwrap_or(0);
                let (lock, changed) = &*shown;
                let mut screen = lock.lock().unwrap();
                if read == 0 {
                    screen.closed = true;
                } else {
                    screen.bytes.extend_from_slice(&buffer[..read]);
                }
                changed.notify_all();
                if read == 0 {
                    break;
                }
            }
        });
        Self {
            master,
            child,
            screen,
        }
    }

    /// Everything shown so far, as text.
    pub fn shown(&self) -> String {
        let screen = self.screen.0.lock().unwrap();
        String::from_utf8_lossy(&screen.bytes).into_owned()
    }

    /// Waits until `text` has been shown; everything shown by then.
    pub fn expect(&self, text: &str) -> String {
        let (lock, changed) = &*self.screen;
        let started = Instant::now();
        let mut screen = lock.lock().unwrap();
        loop {
            let shown = String::from_utf8_lossy(&screen.bytes).into_owned();
            if shown.contains(text) {
                return shown;
            }
            assert!(
                !screen.closed && started.elapsed() < HANG_GUARD,
                "the terminal never showed {text:?}; it showed:\n{shown}"
            );
            screen = changed
                .wait_timeout(screen, Duration::from_secs(1))
                .unwrap()
                .0;
        }
    }

    /// Types `keys` at the terminal (`"y\r"`, `"\x03"` for Ctrl-C).
    pub fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Waits for the program to exit and for the terminal to close: its
    /// exit code and everything it showed.
    pub fn finish(mut self) -> (i32, String) {
        let status = self.child.wait().unwrap();
        let (lock, changed) = &*self.screen;
        let mut screen = lock.lock().unwrap();
        let started = Instant::now();
        while !screen.closed && started.elapsed() < HANG_GUARD {
            screen = changed
                .wait_timeout(screen, Duration::from_secs(1))
                .unwrap()
                .0;
        }
        let shown = String::from_utf8_lossy(&screen.bytes).into_owned();
        (status.code().unwrap_or(-1), shown)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new pseudo-terminal's two sides: (master, slave).
fn open(columns: u16) -> (File, OwnedFd) {
    let mut master = -1;
    let mut slave = -1;
    let size = libc::winsize {
        ws_row: 40,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors, which are then owned here.
    let opened = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(opened, 0, "{}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody.
    let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    (master, slave)
}
