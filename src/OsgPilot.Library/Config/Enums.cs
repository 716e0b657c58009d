namespace OsgPilot.Config
{
    /// <summary>Where the pilot gets CVMFS from.</summary>
    public enum CvmfsMode
    {
        /// <summary>The host's /cvmfs is bind-mounted with shared propagation (seed page).</summary>
        HostMount,
        /// <summary>The pilot mounts CVMFS itself with cvmfsexec (current OSG docs).</summary>
        CvmfsExec,
    }

    /// <summary>
    /// How the pilot gets the privileges Apptainer needs to run the pool's container jobs: the four
    /// levels of OSG's backfill-container docs. Only Unconfined lets Apptainer make a PID namespace.
    /// </summary>
    public enum SecurityProfile
    {
        /// <summary>Exactly the seed page's seven added capabilities (user and mount namespaces; no PID namespace).</summary>
        Capabilities,
        /// <summary>OSG's Recommended level: seccomp and systempaths unconfined, no-new-privileges, /dev/fuse.</summary>
        Unconfined,
        /// <summary>OSG's Minimum privileges: a seccomp profile allowing Apptainer's namespace calls, no-new-privileges, /dev/fuse, PID namespaces off.</summary>
        Minimal,
        /// <summary>The engine's own confinement: no container jobs, for sites whose policy forbids them.</summary>
        Default,
    }

    /// <summary>Docker restart policy for the pilot container.</summary>
    public enum PilotRestartPolicy
    {
        No,
        OnFailure,
        UnlessStopped,
        Always,
    }
}
