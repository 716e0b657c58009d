using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace OsgPilot.Threading
{
    /// <summary>Runs work over many items a few at a time, so fifty pilots are not fifty requests at once on one engine.</summary>
    internal static class Bounded
    {
        /// <summary>The results of <paramref name="work"/> for each item, in item order, at most <paramref name="parallelism"/> at a time.</summary>
        public static async Task<TResult[]> SelectAsync<T, TResult>(IEnumerable<T> items, int parallelism, Func<T, Task<TResult>> work, CancellationToken ct)
        {
            using (var gate = new SemaphoreSlim(parallelism))
            {
                return await Task.WhenAll(items.Select(async item =>
                {
                    await gate.WaitAsync(ct).ConfigureAwait(false);
                    try
                    {
                        return await work(item).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                })).ConfigureAwait(false);
            }
        }
    }
}
