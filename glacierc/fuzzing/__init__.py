"""The compiler fuzzer behind `python -m glacierc.fuzz` (`make fuzz`) and the reliability tests.

    chooser     one interface for random choices: `random.Random` (fast, by seed) or hypothesis `draw` (shrinks)
    cases       a fuzz input (files, env), the seed corpus, hypothesis strategies, case number N of a seed
    mutate      mutations of seed sources: lines, tokens, bytes, nesting, size
    generate    Glacier programs built from the language's own pieces (configs, buckets, tasks, pipelines)
    target      one input through check, analyze and build in-process; what counts as a crash
    worker      the child process that runs inputs until its budget is spent
    supervisor  the parent: restarts the worker after native crashes and hangs, saves regressions
"""
