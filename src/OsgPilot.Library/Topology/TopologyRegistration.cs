using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace OsgPilot.Topology
{
    /// <summary>What OSG Topology says of one resource, read from miscresource/json.</summary>
    internal sealed class TopologyResource
    {
        public string Name { get; set; }
        public string Site { get; set; }
        public string ResourceGroup { get; set; }
        public string Facility { get; set; }
        public bool Active { get; set; }
        public IReadOnlyList<string> Services { get; set; }
    }

    /// <summary>Finds a resource in Topology's miscresource/json and judges it as a backfill execution endpoint.</summary>
    internal static class TopologyRegistration
    {
        public const string DefaultUri = "https://topology.opensciencegrid.org/miscresource/json";
        public const string ExecutionEndpointService = "Execution Endpoint";

        /// <summary>The named resource, or null when Topology has no such resource. Throws JsonException on bad JSON.</summary>
        public static TopologyResource Find(string json, string resourceName)
        {
            using (JsonDocument doc = JsonDocument.Parse(json))
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("The Topology document is not a JSON object of resources.");
                foreach (JsonProperty p in doc.RootElement.EnumerateObject())
                {
                    JsonElement r = p.Value;
                    string name = Str(r, "Name") ?? p.Name;
                    if (!string.Equals(name, resourceName, StringComparison.Ordinal)) continue;
                    return new TopologyResource
                    {
                        Name = name,
                        Site = Str(r, "Site"),
                        ResourceGroup = Str(r, "ResourceGroup"),
                        Facility = Str(r, "Facility"),
                        Active = r.TryGetProperty("Active", out JsonElement a) && (a.ValueKind == JsonValueKind.True ||
                                 (a.ValueKind == JsonValueKind.String && string.Equals(a.GetString(), "true", StringComparison.OrdinalIgnoreCase))),
                        Services = ServicesOf(r),
                    };
                }
            }
            return null;
        }

        /// <summary>Null when the registration fits the config; else what is wrong.</summary>
        public static string Problem(TopologyResource r, string site)
        {
            if (!r.Active) return $"Topology lists '{r.Name}' as inactive; ask OSG to activate it.";
            if (!r.Services.Contains(ExecutionEndpointService, StringComparer.OrdinalIgnoreCase))
            {
                return $"'{r.Name}' does not offer the '{ExecutionEndpointService}' service in Topology (it offers: {(r.Services.Count == 0 ? "none" : string.Join(", ", r.Services))}); register it as a backfill execution endpoint.";
            }
            if (!string.Equals(r.Site, site, StringComparison.Ordinal) && !string.Equals(r.ResourceGroup, site, StringComparison.Ordinal))
            {
                return $"GLIDEIN_Site '{site}' is neither the Topology site ('{r.Site}') nor the resource group ('{r.ResourceGroup}') of '{r.Name}'.";
            }
            return null;
        }

        // Topology renders Services as {"Execution Endpoint": {...}}; older or hand-saved copies as a list.
        private static IReadOnlyList<string> ServicesOf(JsonElement r)
        {
            if (!r.TryGetProperty("Services", out JsonElement s)) return new string[0];
            switch (s.ValueKind)
            {
                case JsonValueKind.Object:
                    return s.EnumerateObject().Select(p => p.Name).ToList();
                case JsonValueKind.Array:
                    return s.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : Str(e, "Name")).Where(n => n != null).ToList();
                default:
                    return new string[0];
            }
        }

        private static string Str(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}
