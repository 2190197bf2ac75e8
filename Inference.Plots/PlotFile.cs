using Inference.Results;
using ScottPlot;
using SkiaSharp;

namespace Inference.Plots;

/// <summary>Renders a grid of ScottPlot panels to a PNG or SVG file (chosen by the extension), whole or not at all.</summary>
internal static class PlotFile
{
    public static void Save(Multiplot figure, string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        bool svg = IsSvg(path);
        var rect = new PixelRect(0, width, height, 0);
        AtomicFile.Write(path, stream =>
        {
            if (svg)
            {
                using var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream);
                canvas.Clear(SKColors.White);
                figure.Render(canvas, rect);
            }
            else
            {
                using var surface = SKSurface.Create(new SKImageInfo(width, height));
                surface.Canvas.Clear(SKColors.White);
                figure.Render(surface.Canvas, rect);
                using var image = surface.Snapshot();
                using var data = image.Encode(SKEncodedImageFormat.Png, 100);
                data.SaveTo(stream);
            }
        });
    }

    /// <summary>A figure of <paramref name="rows"/> × <paramref name="columns"/> empty panels.</summary>
    public static (Multiplot Figure, Plot[] Panels) Grid(int rows, int columns)
    {
        var figure = new Multiplot();
        figure.AddPlots(rows * columns);
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        return (figure, figure.GetPlots());
    }

    /// <summary>Checks the extension before any work (".png" or ".svg").</summary>
    public static void CheckPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        IsSvg(path);
    }

    private static bool IsSvg(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".svg" => true,
            ".png" => false,
            _ => throw new ArgumentException($"'{path}' must end in .png or .svg (the format is chosen by the extension).", nameof(path)),
        };
    }
}
