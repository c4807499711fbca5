namespace MPI;

/// <summary>
/// The counts of a task farm, reported to <see cref="TaskFarmOptions.Progress"/>. Counts cover every task the farm
/// has been given since it started (all Submit, Map and MapUnordered calls).
/// </summary>
/// <param name="Submitted">Tasks handed to the farm.</param>
/// <param name="Completed">Tasks that finished successfully.</param>
/// <param name="Failed">Tasks that failed for good (after their retries).</param>
/// <param name="Retried">Attempts started again after a failure (a task retried twice counts 2).</param>
/// <param name="Running">Tasks handed to a rank and not back yet (chunks waiting in a rank's queue included).</param>
public readonly record struct TaskFarmProgress(long Submitted, long Completed, long Failed, long Retried, int Running);
