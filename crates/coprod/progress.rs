//! The terminal's side of a study's [`Progress`]: a progress bar and messages on stderr
//! (the bar is hidden when stderr is not a terminal), and Ctrl-C during a run: say what was
//! saved and how to finish it, then exit with status 130 (128 + SIGINT, the shell
//! convention). The handler does not wait for the runs, so a run that never ends cannot
//! hold it up (the run directory's journal makes stopping between them safe); it waits only
//! while results are being finished and moved into place (saying so), and it removes a
//! partial directory a command made but has not yet put in place.

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use coprod_study::{Note, Progress, Resumable};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Exit status after Ctrl-C.
pub(crate) const INTERRUPTED: u8 = 130;

/// Progress on the terminal.
pub(crate) struct Terminal {
    bar: Mutex<ProgressBar>,
    /// Whether Ctrl-C during a run prints the resume command and exits (not in the server).
    ctrl_c: bool,
}

impl Terminal {
    pub(crate) fn new() -> Terminal {
        Terminal {
            bar: Mutex::new(ProgressBar::hidden()),
            ctrl_c: true,
        }
    }

    /// Messages only: no Ctrl-C handler (for runs the classroom server starts).
    pub(crate) fn without_ctrl_c() -> Terminal {
        Terminal {
            ctrl_c: false,
            ..Terminal::new()
        }
    }

    fn bar(&self) -> ProgressBar {
        self.bar
            .lock()
            .map_or_else(|e| e.into_inner().clone(), |b| b.clone())
    }
}

impl Progress for Terminal {
    fn start(&self, total: u64) {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, eta {eta}")
                .expect("the template is valid"),
        );
        if let Ok(mut b) = self.bar.lock() {
            *b = bar;
        }
    }

    fn advance(&self, n: u64) {
        self.bar().inc(n);
    }

    fn finish(&self) {
        self.bar().finish_and_clear();
    }

    fn note(&self, note: Note) {
        let text = match note {
            Note::Status(text) => text,
            Note::Note(text) => format!("note: {text}"),
            Note::Warning(text) => format!("warning: {text}"),
        };
        // A note that comes after the handler's last word is not printed: it would read as
        // if the command had gone on after it was interrupted.
        let Ok(said) = LAST_WORD.lock() else { return };
        if !*said {
            self.bar().suspend(|| say!("{text}"));
        }
    }

    /// From now on, Ctrl-C says what was saved and how to finish the run.
    fn resumable(&self, resumable: &Resumable) {
        let resumable = resumable.clone();
        self.on_ctrl_c(Box::new(move || resumable.on_interrupt()));
    }

    /// From now on, Ctrl-C says `what`: what is kept and how to go on.
    fn on_interrupt(&self, what: &str) {
        let what = what.to_string();
        self.on_ctrl_c(Box::new(move || what.clone()));
    }

    fn discard_made(&self, make: &mut dyn FnMut() -> Option<PathBuf>) {
        if !self.ctrl_c {
            make();
            return;
        }
        // Held while the directory is made: a Ctrl-C handler waits for it, then finds the
        // directory named and removes it.
        let mut current = DISCARD.lock();
        let made = make();
        if let Ok(current) = current.as_deref_mut() {
            *current = made;
        }
    }

    fn uninterrupted(&self, work: &mut dyn FnMut()) {
        if !self.ctrl_c {
            work();
            return;
        }
        // Work within work already held off is part of it (the lock is not reentrant).
        if HOLDING.get() {
            work();
            return;
        }
        // Held while `work` runs: a Ctrl-C handler waits for it, then removes the directory
        // to discard, if `work` left one named. Not the lock of that name, so that `work`
        // can stop naming it (keep_on_interrupt) before it moves it into place.
        let _held = UNINTERRUPTED.lock();
        let _holding = Holding::set();
        work();
    }

    fn keep_on_interrupt(&self) {
        if !self.ctrl_c {
            return;
        }
        // Waits for a handler already removing it: the process then exits, and the
        // directory is never moved into place while it is being removed.
        if let Ok(mut current) = DISCARD.lock() {
            *current = None;
        }
    }
}

/// What Ctrl-C prints before exiting, as the run stands now.
type Message = Box<dyn Fn() -> String + Send>;

/// The message of the Ctrl-C handler: the handler can be installed only once per process,
/// and the message changes as a run goes on (the pilot of `--target-ci`, then the runs).
static ON_CTRL_C: Mutex<Option<Message>> = Mutex::new(None);

/// The partial directory Ctrl-C removes, if any (see [`Progress::discard_made`]).
static DISCARD: Mutex<Option<PathBuf>> = Mutex::new(None);

thread_local! {
    /// Whether this thread holds [`UNINTERRUPTED`].
    static HOLDING: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as holding [`UNINTERRUPTED`] until dropped, also when the work panics.
struct Holding;

impl Holding {
    fn set() -> Holding {
        HOLDING.set(true);
        Holding
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        HOLDING.set(false);
    }
}

/// Tries to remove `dir` until it is gone: a thread still writing into it can add an entry
/// after `remove_dir_all` listed them, which leaves it not empty (bounded, for a writer
/// that never stops).
fn remove_until_gone(dir: &std::path::Path) {
    for _ in 0..100 {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
}

/// Whether the Ctrl-C handler has said what was kept; held while a note is printed, so that
/// no note comes after that message, and by [`last_words`] until the process exits.
static LAST_WORD: Mutex<bool> = Mutex::new(false);

/// Whether a Ctrl-C handler has begun: from then on it alone ends the process.
static INTERRUPTING: AtomicBool = AtomicBool::new(false);

/// Says the command's last words (`words`) and exits with `status`, unless Ctrl-C is
/// ending the process: then waits for the handler to exit with 130. A command's error is
/// often caused by the handler removing its partial directory, and must neither follow the
/// handler's message nor replace its exit status.
pub(crate) fn last_words(status: u8, words: impl FnOnce()) -> ! {
    // Held until the process exits: a handler that begins now stops short of its message.
    let said = LAST_WORD.lock();
    if INTERRUPTING.load(Ordering::SeqCst) {
        drop(said);
        loop {
            std::thread::park();
        }
    }
    words();
    std::process::exit(i32::from(status));
}

/// Held while work that must not be stopped midway runs ([`Progress::uninterrupted`]); the
/// Ctrl-C handler takes it before [`DISCARD`], and nothing takes them the other way round.
static UNINTERRUPTED: Mutex<()> = Mutex::new(());

impl Terminal {
    /// Makes Ctrl-C print `message` and exit with status 130 (installing the handler once).
    fn on_ctrl_c(&self, message: Message) {
        if !self.ctrl_c {
            return;
        }
        if let Ok(mut current) = ON_CTRL_C.lock() {
            *current = Some(message);
        }
        let _ = ctrlc::set_handler(|| {
            INTERRUPTING.store(true, Ordering::SeqCst);
            // Both held until the process exits, so that no one moves the directory
            // meanwhile or starts work that must not be stopped midway.
            let _uninterrupted = match UNINTERRUPTED.try_lock() {
                Ok(held) => Ok(held),
                Err(_) => {
                    // Ctrl-C would otherwise look ignored while a large result is written.
                    say!("\nfinishing the results; Ctrl-C takes effect once they are in place");
                    UNINTERRUPTED.lock()
                }
            };
            let discard = DISCARD.lock();
            if let Ok(Some(partial)) = discard.as_deref() {
                remove_until_gone(partial);
            }
            // Taken last, and only here: a note printed within work that must not be
            // stopped is printed before the handler has the locks above.
            let mut said = LAST_WORD.lock();
            if let Ok(said) = said.as_deref_mut() {
                *said = true;
            }
            if let Ok(current) = ON_CTRL_C.lock()
                && let Some(message) = current.as_ref()
            {
                say!("\n{}", message());
            }
            std::process::exit(i32::from(INTERRUPTED));
        });
    }
}
