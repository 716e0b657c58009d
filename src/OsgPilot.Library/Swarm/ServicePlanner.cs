using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// Decides what Set-OsgPilotService does, from what it saw and what the config asks for: pure,
    /// no engine. The two tables in about_OsgPilot are its whole rule; the tests run every row.
    /// </summary>
    internal static class ServicePlanner
    {
        /// <summary>
        /// The steps for the config's services: a Refuse alone when a wanted name belongs to a service
        /// OsgPilot did not make (nothing may be done); else CreateSecret (first, when the token's
        /// secret is missing and a service will need it), then Create, Update or Keep per wanted
        /// service in order, then Remove per service -PerNode no longer asks for.
        /// </summary>
        public static IReadOnlyList<ServiceStep> Plan(ServiceObservation o)
        {
            List<ServiceStep> refused = o.Named.Where(s => s.Label(PilotLabels.Managed) != "true").Select(Refuse).ToList();
            if (refused.Count > 0) return refused;

            PilotServiceSpec first = o.Desired[0];
            List<ServiceRecord> group = o.Ours.Where(s => s.Label(PilotLabels.Service) == first.Group).ToList();
            SecretRecord secret = o.Secrets.FirstOrDefault(s => s.Name == first.SecretName);
            var secretIds = new HashSet<string>(o.Secrets.Select(s => s.Id), StringComparer.Ordinal);
            var steps = new List<ServiceStep>();
            foreach (PilotServiceSpec spec in o.Desired)
            {
                ServiceRecord existing = group.FirstOrDefault(s => s.Name == spec.Name);
                if (existing == null)
                {
                    steps.Add(new ServiceStep { Action = ServiceAction.Create, Name = spec.Name, Spec = spec, Secret = secret, Reason = "No such service." });
                    continue;
                }
                string[] differences = Differences(existing, spec, secret?.Id, secretIds);
                bool same = differences.Length == 0 && existing.Label(PilotLabels.ConfigHash) == spec.ConfigHash;
                steps.Add(new ServiceStep
                {
                    Action = same ? ServiceAction.Keep : ServiceAction.Update,
                    Name = spec.Name, Spec = spec, Existing = existing, Secret = secret, Differences = differences,
                    Reason = same ? "The service matches the config." : Reason(existing, spec, differences),
                    RepairsLostSecret = differences.Any(d => d.EndsWith(ServiceDrift.Missing, StringComparison.Ordinal)),
                });
            }
            if (secret == null && steps.Any(s => s.Changes))
            {
                steps.Insert(0, new ServiceStep { Action = ServiceAction.CreateSecret, Name = first.SecretName, Spec = first, Reason = "The token's secret is missing." });
            }
            foreach (ServiceRecord s in group.Where(s => o.Desired.All(d => d.Name != s.Name)).OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                steps.Add(new ServiceStep { Action = ServiceAction.Remove, Name = s.Name, Existing = s, Reason = $"-PerNode is now {first.PerNode}." });
            }
            return steps;
        }

        /// <summary>
        /// The config's token secrets that no service's current spec, nor the spec a roll-back returns
        /// to, names. Only these need the tasks asked about (<see cref="PlanSecretRemoval"/>): when none
        /// is in doubt, no task list is read.
        /// </summary>
        public static IReadOnlyList<SecretRecord> SecretsInDoubt(string group, IReadOnlyList<ServiceRecord> services, IReadOnlyList<SecretRecord> secrets)
        {
            var used = new HashSet<string>(services.SelectMany(s => s.SecretNames.Concat(s.PreviousSecretNames)), StringComparer.Ordinal);
            return secrets.Where(s => s.Label(PilotLabels.Managed) == "true" && s.Label(PilotLabels.Service) == group && !used.Contains(s.Name)).ToList();
        }

        /// <summary>A RemoveSecret step for every secret in doubt that no task the swarm may still run names (a restart would fail on it).</summary>
        public static IReadOnlyList<ServiceStep> PlanSecretRemoval(IReadOnlyList<SecretRecord> inDoubt, IReadOnlyList<TaskRecord> tasks)
        {
            var used = new HashSet<string>(tasks.Where(t => t.MayRun).SelectMany(t => t.SecretNames), StringComparer.Ordinal);
            return inDoubt.Where(s => !used.Contains(s.Name))
                .Select(s => new ServiceStep { Action = ServiceAction.RemoveSecret, Name = s.Name, Secret = s, Reason = "no service, roll-back or task uses it" })
                .ToList();
        }

        private static ServiceStep Refuse(ServiceRecord other) => new ServiceStep
        {
            Action = ServiceAction.Refuse,
            Name = other.Name,
            Existing = other,
            Reason = "A service of that name was not made by OsgPilot.",
            Error = new OsgPilotException(ErrorIds.ServiceNotOurs, ErrorCategory.ResourceExists,
                $"The swarm already has a service named '{other.Name}' that OsgPilot did not make; it was left alone and nothing was changed. Remove it, or give the config another -Name.", other.Name),
        };

        /// <summary>What differs from the config in the live service, a new token said as such (its secret's name is a digest of it).</summary>
        private static string[] Differences(ServiceRecord existing, PilotServiceSpec spec, string secretId, ICollection<string> secretIds)
        {
            bool newToken = !existing.SecretNames.Contains(spec.SecretName);
            return ServiceDrift.Find(existing, spec, secretId, secretIds)
                .Select(d => d.Part == "secrets" && newToken && !d.Text.EndsWith(ServiceDrift.Missing, StringComparison.Ordinal) ? "new token" : d.Text)
                .Distinct(StringComparer.Ordinal).ToArray();
        }

        /// <summary>
        /// Why the service is updated. The config-hash label tells a changed config from a service
        /// changed outside OsgPilot (docker service update by hand, a roll-back onto a lost secret).
        /// </summary>
        private static string Reason(ServiceRecord existing, PilotServiceSpec spec, string[] differences)
        {
            if (differences.Length == 0) return "Settings changed.";
            string list = string.Join("; ", differences) + ".";
            return existing.Label(PilotLabels.ConfigHash) == spec.ConfigHash ? "Changed outside OsgPilot, restored: " + list : list;
        }
    }
}
