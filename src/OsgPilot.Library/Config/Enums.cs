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

    /// <summary>How the pilot gets the privileges Apptainer/Singularity needs.</summary>
    public enum SecurityProfile
    {
        /// <summary>Exactly the seed page's seven added capabilities.</summary>
        Capabilities,
        /// <summary>seccomp and systempaths unconfined, no-new-privileges and /dev/fuse (current OSG docs).</summary>
        Unconfined,
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
