using OsgPilot.Docker;

namespace OsgPilot.Reconcile
{
    /// <summary>
    /// The engine areas the reconciler and its executor use: containers, images, and files in
    /// containers (see EngineSeams). DockerGateway is the real one; the tests put an engine behind it
    /// that fails at any chosen call, to prove every undo path.
    /// </summary>
    internal interface IPilotEngine : IContainerEngine, IImageEngine, IContainerFiles
    {
    }
}
