Console.Error.WriteLine("HeatDiffusion: not written yet (issue 16).");
return 1;
