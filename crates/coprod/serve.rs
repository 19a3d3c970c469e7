//! `coprod serve`: starts the classroom server of `coprod-serve` and prints the teacher's
//! address. The Experiment page runs `coprod teach group-size` through [`TeachExperiment`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use coprod_serve::{Config, Experiment, Server};

use crate::cli::{Lesson, ServeArgs, TeachArgs};

/// The group-size lesson of `coprod teach`, as the Experiment page runs it.
struct TeachExperiment {
    threads: usize,
}

impl Experiment for TeachExperiment {
    fn runs(&self, quick: bool) -> Result<u64, String> {
        let mut scenario = crate::shipped::load("group-size").map_err(|e| e.to_string())?;
        if quick {
            scenario.make_quick().map_err(|e| e.to_string())?;
        }
        Ok(scenario.n_runs())
    }

    fn run(&self, quick: bool, out: &Path) -> Result<PathBuf, String> {
        let args = TeachArgs {
            lesson: Lesson::GroupSize,
            out: Some(out.to_path_buf()),
            replications: None,
            quick,
            settings: Vec::new(),
            threads: None,
            force: false,
        };
        let mut printed = Vec::new();
        crate::teach::teach(args, self.threads, &mut printed).map_err(|e| format!("{e:#}"))?;
        Ok(PathBuf::from(String::from_utf8_lossy(&printed).trim()))
    }
}

pub(crate) fn serve(args: ServeArgs, threads: usize, stdout: &mut impl Write) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the server runtime")?;
    runtime.block_on(async {
        let config = Config {
            port: args.port,
            lan: args.lan,
            outputs: args.outputs,
        };
        let experiment: Arc<dyn Experiment> = Arc::new(TeachExperiment { threads });
        let server = Server::bind(config, Some(experiment))
            .await
            .with_context(|| format!("cannot listen on port {}", args.port))?;
        if args.lan {
            eprintln!(
                "listening on the local network: students join at {}/play",
                server.public_base()
            );
        } else {
            eprintln!("listening on this computer only; add --lan to let students join");
        }
        eprintln!("teacher's page (keep the key secret; Ctrl-C stops the server):");
        writeln!(stdout, "{}", server.teacher_url)?;
        stdout.flush()?;
        server.run().await.context("the server stopped")
    })
}
