//! `coprod serve`: starts the classroom server of `coprod-serve` and prints the teacher's
//! address. The Experiment page runs the group-size lesson of `coprod_study::teach` through
//! [`TeachExperiment`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use coprod_serve::{CHOOSE_WRITABLE_OUTPUTS, Config, Experiment, Server};
use coprod_study::{Context, Lesson, Result, Study, TeachOptions};

use crate::cli::ServeArgs;
use crate::progress::Terminal;

/// The group-size lesson of `coprod teach`, as the Experiment page runs it.
struct TeachExperiment {
    threads: usize,
}

impl Experiment for TeachExperiment {
    fn runs(&self, quick: bool) -> Result<u64, String> {
        let study = Study::load(Lesson::GroupSize.scenario()).map_err(|e| e.to_string())?;
        let mut scenario = study.scenario().clone();
        if quick {
            scenario.make_quick().map_err(|e| e.to_string())?;
        }
        Ok(scenario.n_runs())
    }

    fn run(&self, quick: bool, out: &Path) -> Result<PathBuf, String> {
        let options = TeachOptions {
            out: Some(out.to_path_buf()),
            quick,
            ..TeachOptions::new(Lesson::GroupSize, self.threads)
        };
        let lesson = coprod_study::teach(&options, &Terminal::without_ctrl_c())
            .map_err(|e| as_served(&coprod_study::chain(&e)))?;
        lesson.page.ok_or_else(|| match lesson.no_page {
            Some(why) => format!("no page: {why}"),
            None => {
                let failed = (lesson.run.failed, lesson.run.runs);
                format!("{} of {} runs failed: no page", failed.0, failed.1)
            }
        })
    }
}

/// An error of the lesson as the Experiment page and the log show it.
fn as_served(error: &str) -> String {
    error.replace(coprod_study::CHOOSE_WRITABLE_OUT, CHOOSE_WRITABLE_OUTPUTS)
}

/// Checks that the experiments could write in `--outputs`, so the teacher learns it when
/// starting the server, not in class. A folder given with `--outputs` that is a file or
/// cannot be made or written is refused; the default `outputs` only gets a warning, since a
/// teacher who only plays needs no folder (and may start the server from a read-only one).
/// The folder is not made now, so a server used only for Play leaves none behind.
fn check_outputs(outputs: &Path, given: bool) -> Result<()> {
    let named = if given {
        format!("--outputs {}", outputs.display())
    } else {
        format!("the default folder for experiments, {},", outputs.display())
    };
    let Some(problem) = coprod_serve::outputs_problem(outputs, &named) else {
        return Ok(());
    };
    if given {
        return Err(coprod_study::StudyError::Invalid(problem));
    }
    let (what, hint) = problem.split_once("\n\nhint: ").unwrap_or((&problem, ""));
    say!(
        "warning: {what}: the server starts and Play works, but an experiment started from \
         the page will fail until that folder can be written\n\nhint: {hint}"
    );
    Ok(())
}

pub(crate) fn serve(args: ServeArgs, threads: usize, stdout: &mut impl Write) -> Result<u8> {
    // Checked now, not when a teacher first starts an experiment from the page.
    let given = args.outputs.is_some();
    let outputs = args.outputs.unwrap_or_else(|| PathBuf::from("outputs"));
    check_outputs(&outputs, given)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the server runtime")?;
    runtime.block_on(async {
        let config = Config {
            port: args.port,
            lan: args.lan,
            outputs,
        };
        let experiment: Arc<dyn Experiment> = Arc::new(TeachExperiment { threads });
        let server = Server::bind(config, Some(experiment))
            .await
            .with_context(|| format!("cannot listen on port {}", args.port))?;
        if args.lan {
            say!(
                "listening on the local network: students join at {}/play",
                server.public_base()
            );
        } else {
            say!("listening on this computer only; add --lan to let students join");
        }
        say!("teacher's page (keep the key secret; Ctrl-C stops the server):");
        writeln!(stdout, "{}", server.teacher_url)?;
        stdout.flush()?;
        server.run().await.context("the server stopped")?;
        Ok(0)
    })
}
